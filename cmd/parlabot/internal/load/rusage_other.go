//go:build !unix

package load

import (
	"os"
	"time"
)

// terminate ends p; without Unix signals it cannot finish its work first.
func terminate(p *os.Process) error { return p.Kill() }

// maxRSS is not known here.
func maxRSS(*os.ProcessState) int64 { return 0 }

// selfCPU is not known here.
func selfCPU() time.Duration { return 0 }
