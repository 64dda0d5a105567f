//go:build !unix

package awsmig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// lockFile creates path exclusively. Unlike flock, a crashed run leaves it behind; the message
// says how to clear it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		holder := ""
		if g, err := os.Open(path); err == nil {
			holder = lockHolder(g)
			g.Close()
		}
		return nil, fmt.Errorf("state lock %s: another dbverify migrate run holds it%s; if none is running, delete the file", path, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("state lock %s: %w", path, err)
	}
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return f, nil
}

func unlockFile(f *os.File) error {
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}
