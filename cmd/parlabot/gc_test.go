package main

import (
	"runtime/debug"
	"testing"
)

// The bot collects garbage less often than Go's default, unless the
// operator set GOGC, which then stands.
func TestTuneGC(t *testing.T) {
	for _, tt := range []struct {
		name, gogc string
		want       int
	}{
		{"default", "", gcPercent},
		{"operator's GOGC", "50", 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := debug.SetGCPercent(100)
			defer debug.SetGCPercent(before)
			m := &Main{Getenv: func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			}}
			m.tuneGC()
			if got := debug.SetGCPercent(100); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}
