package redistest

import "syscall"

// sysProcAttr makes the kernel kill redis-server if the test binary dies
// without running its cleanups (a test timeout, say), so no server outlives
// its test. Pdeathsig follows the thread that started the child; the Go
// runtime does not end threads that no goroutine has locked.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
