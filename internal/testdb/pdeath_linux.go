package testdb

import "syscall"

// dieWithParent has the kernel kill the process when the test binary exits, however it exits.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
