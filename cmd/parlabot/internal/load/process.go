package load

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// child is a bot running as a process of its own, so that its CPU time
// and memory are its own.
type child struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	err     error         // why, once done is closed
}

// usage is what a finished process used.
type usage struct {
	user, system time.Duration
	maxRSS       int64 // bytes
}

// startChild starts exe with args, its environment the caller's without
// PARLABOT_ and TELEGRAM_ variables, plus env, its output to logPath.
func startChild(exe string, args, env []string, logPath string) (*child, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = log, log
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLABOT_") && !strings.HasPrefix(kv, "TELEGRAM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	c := &child{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		log.Close()
		close(c.done)
	}()
	return c, nil
}

// stop asks the process to finish (SIGTERM, as a service manager does),
// waits for it, killing it after timeout, and returns what it used, also
// with the error when it did not end well.
func (c *child) stop(timeout time.Duration) (usage, error) {
	peak := vmHWM(c.cmd.Process.Pid)
	if err := terminate(c.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return usage{}, err
	}
	var err error
	select {
	case <-c.done:
		if c.err != nil {
			err = fmt.Errorf("the bot ended with %v; see %s", c.err, c.logPath)
		}
	case <-time.After(timeout):
		c.cmd.Process.Kill()
		<-c.done
		err = fmt.Errorf("the bot did not stop within %v of SIGTERM; see %s", timeout, c.logPath)
	}
	ps := c.cmd.ProcessState
	u := usage{user: ps.UserTime(), system: ps.SystemTime(), maxRSS: peak}
	if peak == 0 {
		u.maxRSS = maxRSS(ps)
	}
	return u, err
}

// vmHWM is the peak resident memory of a running process, in bytes, from
// Linux's /proc (0 elsewhere). The peak the kernel reports when a child
// ends is no good for this: a child started with vfork, as Go starts them,
// is charged the parent's peak before exec, so the load generator's memory
// would show as the bot's. Read before the bot stops, it leaves out only
// its last moments, when it is finishing its work.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// kill ends the process if it still runs.
func (c *child) kill() {
	select {
	case <-c.done:
	default:
		c.cmd.Process.Kill()
		<-c.done
	}
}

// freeAddress is a loopback address with a port free at the moment.
func freeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
