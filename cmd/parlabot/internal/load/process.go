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
	// anonRSS and fileRSS are its own memory and the mapped files' pages
	// it held just before it was asked to stop.
	anonRSS, fileRSS int64
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
	mem := readMemory(c.cmd.Process.Pid)
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
	u := usage{user: ps.UserTime(), system: ps.SystemTime(), maxRSS: mem.peak, anonRSS: mem.anon, fileRSS: mem.file}
	if mem.peak == 0 {
		u.maxRSS = maxRSS(ps)
	}
	return u, err
}

// memory is a running process's resident memory, from Linux's /proc
// (zeros elsewhere): its peak, and now its own (anonymous: heap, stacks)
// and the mapped files' pages it holds (the database, which the kernel
// can take back). The peak the kernel reports when a child ends is no good
// here: a child started with vfork, as Go starts them, is charged its
// parent's peak from before exec, so the load generator's memory would
// show as the bot's. Read before the bot stops, the peak leaves out only
// its last moments, when it finishes its work.
type memory struct {
	peak, anon, file int64 // bytes
}

func readMemory(pid int) memory {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}
	}
	var m memory
	for _, line := range strings.Split(string(data), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmHWM":
			m.peak = kb * 1024
		case "RssAnon":
			m.anon = kb * 1024
		case "RssFile":
			m.file = kb * 1024
		}
	}
	return m
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
