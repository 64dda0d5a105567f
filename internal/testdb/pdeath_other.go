//go:build !linux

package testdb

import "syscall"

// dieWithParent does nothing where the kernel offers no parent-death signal: an interrupted
// test may leave its throwaway servers running there.
func dieWithParent(*syscall.SysProcAttr) {}
