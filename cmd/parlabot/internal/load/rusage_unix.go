//go:build unix

package load

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// terminate asks p to finish, as a service manager does.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// maxRSS is the peak resident memory of a finished process, in bytes, as
// the kernel reports it (see readMemory for why it is the fallback).
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes there, kilobytes elsewhere
	}
	return int64(ru.Maxrss) * 1024
}

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
