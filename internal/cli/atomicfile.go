package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// atomicFile is an output file (repair SQL) written whole or not at all: the writes go to a
// temporary file beside the destination, which Commit syncs and renames over it. Until then the
// file at the destination, a repair script someone may already have reviewed, stays as it was;
// Discard, and a run that fails or is interrupted before Commit, remove only the temporary file.
type atomicFile struct {
	*os.File        // the temporary file (the destination itself when direct)
	path     string // the destination
	direct   bool   // the destination is no regular file (/dev/stdout, a pipe): written in place
	done     bool   // committed or discarded
}

// createAtomic opens a temporary file for path in path's directory (following path if it is a
// symbolic link), so that a path that cannot be written fails before any work. The new file
// keeps the mode of the file it replaces, else it is readable by its owner only. A destination
// that exists and is no regular file (/dev/stdout, a named pipe) is written in place: there is
// nothing there to keep, and nothing to rename over.
func createAtomic(path string) (*atomicFile, error) {
	dest := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		dest = resolved
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(dest); err == nil {
		if !st.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, err
			}
			return &atomicFile{File: f, path: path, direct: true}, nil
		}
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err} // name the file asked for
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return &atomicFile{File: tmp, path: dest}, nil
}

// Name is the destination's path (not the temporary file's), for messages.
func (f *atomicFile) Name() string { return f.path }

// Commit syncs and closes the temporary file and renames it over the destination. When it
// fails, the temporary file is removed and the destination is as it was.
func (f *atomicFile) Commit() error {
	if f.done {
		return errors.New(f.path + ": already written or discarded")
	}
	f.done = true
	if f.direct {
		return f.File.Close()
	}
	err := f.File.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.File.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.File.Name())
	}
	return err
}

// Discard closes and removes the temporary file, leaving the destination as it was. It does
// nothing after Commit or Discard, so that it can be deferred.
func (f *atomicFile) Discard() {
	if f == nil || f.done {
		return
	}
	f.done = true
	f.File.Close()
	if !f.direct {
		os.Remove(f.File.Name())
	}
}

// Remove removes the destination (a run that found nothing to write there: a previous run's
// file would be out of date) and discards the temporary file.
func (f *atomicFile) Remove() {
	f.Discard()
	if !f.direct {
		os.Remove(f.path)
	}
}
