package main

import (
	"fmt"

	"github.com/parlabot/parlabot/cmd/parlabot/internal/load"
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
	stop, err := load.ProfileCPU(path)
	if err != nil {
		fmt.Fprintf(m.Stderr, "parlabot: no CPU profile: %v\n", err)
		return func() {}
	}
	return stop
}
