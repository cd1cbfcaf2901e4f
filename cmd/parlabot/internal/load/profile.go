package load

import (
	"os"
	"runtime/pprof"
)

// ProfileCPU writes a CPU profile of this process to path until stop is
// called: the load generator's, and the bot's when the load test asks it
// to (PARLABOT_CPUPROFILE).
func ProfileCPU(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
