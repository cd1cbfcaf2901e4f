package main

import "runtime/debug"

// gcPercent is the garbage collector's target for a running bot. The bot's
// live heap is small (a few megabytes), so at Go's default of 100 the
// collector runs after every few megabytes allocated, dozens of times a
// second under load; at 200 the bot spends about a tenth less CPU per
// tap for a few megabytes more (measured with parlabot loadtest).
const gcPercent = 200

// tuneGC sets the collector's target for a long-running bot, unless the
// operator chose one with GOGC.
func (m *Main) tuneGC() {
	if m.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
