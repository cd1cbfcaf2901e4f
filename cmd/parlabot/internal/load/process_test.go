package load

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A bot's peak memory is its own, not its parent's: the load generator
// may hold hundreds of megabytes when it starts a bot of a few dozen.
func TestChildPeakMemoryIsItsOwn(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if runtime.GOOS != "linux" || err != nil {
		t.Skip("needs Linux and sleep(1)")
	}
	ballast := make([]byte, 256<<20)
	for i := range ballast {
		ballast[i] = byte(i)
	}
	c, err := startChild(sleep, []string{"60"}, nil, filepath.Join(t.TempDir(), "sleep.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.kill()
	// Until it has replaced itself with sleep, the child is a copy of this
	// process.
	status := fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); ; {
		data, err := os.ReadFile(status)
		if err == nil && strings.HasPrefix(string(data), "Name:\tsleep\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child did not become sleep: %v %.40q", err, data)
		}
		time.Sleep(time.Millisecond)
	}
	u, _ := c.stop(10 * time.Second) // sleep ends with "signal: terminated"
	runtime.KeepAlive(ballast)
	if u.maxRSS <= 0 || u.maxRSS > 64<<20 {
		t.Errorf("sleep's peak memory = %d MB, want its own few, not this process's %d MB or more", u.maxRSS>>20, len(ballast)>>20)
	}
}
