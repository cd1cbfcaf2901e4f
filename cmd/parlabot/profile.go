package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfile writes a CPU profile of the command to the file named by
// PARLABOT_CPUPROFILE, if set, until the returned function is called: the
// load test profiles the bot this way. A profile that cannot be written
// is reported and the command goes on without it.
func (m *Main) cpuProfile() (stop func()) {
	path := m.Getenv("PARLABOT_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "parlabot: no CPU profile: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
