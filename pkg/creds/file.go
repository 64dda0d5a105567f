package creds

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ReadPasswordFile returns the password a file holds: its content without one trailing newline
// (\n or \r\n). A file that group or others may read is not refused (Kubernetes mounts secrets
// 0644 unless told otherwise) but warn is called with a line to show the user.
func ReadPasswordFile(path string, warn func(string)) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	if !st.Mode().IsRegular() && st.Mode()&os.ModeNamedPipe == 0 {
		return "", fmt.Errorf("password file %s: not a regular file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	if st.Mode().IsRegular() && st.Mode().Perm()&0o044 != 0 && warn != nil {
		warn(fmt.Sprintf("password file %s may be read by other users (mode %04o); chmod 600 it", path, st.Mode().Perm()))
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if p == "" {
		return "", fmt.Errorf("password file %s: %w", path, errEmpty)
	}
	if strings.ContainsAny(p, "\n\x00") {
		return "", fmt.Errorf("password file %s: more than one line", path)
	}
	return p, nil
}

var errEmpty = errors.New("empty")
