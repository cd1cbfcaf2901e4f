package main

// The control socket. bbolt lets one process hold a database file, so while
// the bot runs, export, report and backup ask it to do the work: the bot
// listens on a Unix socket next to the database (parlabot.db.sock for
// parlabot.db), readable only by its own user, and the command line finds
// it there, with nothing to configure.
//
// One connection carries one command. The command line sends a request
// frame; the bot runs the command on the store it holds and streams back
// the files the command writes, progress, and finally the outcome. Frames
// are a type byte, a big-endian uint32 length and the payload:
//
//	'Q' request   {"command":"export","args":[...],"env":{...}}  (to the bot)
//	'C' create    {"id":1,"name":"livestream-2026.csv","main":true}
//	'D' data      uint32 file id, then the bytes
//	'E' end       uint32 file id
//	'P' progress  {"what":"livestream-2026","done":4096,"total":10000}
//	'X' exit      {"error":"…","usage":false}; no error: success

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parlabot/parlabot/consultations/boltstore"
)

// socketPath is the control socket of the database at db.
func socketPath(db string) string { return db + ".sock" }

// maxSocketPath is the longest path a Unix socket may have on Linux (108
// bytes with the terminating NUL).
const maxSocketPath = 107

// reachable shortens a socket path too long for the kernel to one relative
// to the working directory, when that is short enough.
func reachable(path string) string {
	if len(path) <= maxSocketPath {
		return path
	}
	if wd, err := os.Getwd(); err == nil {
		if abs, err := filepath.Abs(path); err == nil {
			if rel, err := filepath.Rel(wd, abs); err == nil && len(rel) <= maxSocketPath {
				return rel
			}
		}
	}
	return path
}

const (
	frameRequest  = 'Q'
	frameCreate   = 'C'
	frameData     = 'D'
	frameEnd      = 'E'
	frameProgress = 'P'
	frameExit     = 'X'

	maxFrame     = 1 << 20 // larger data are sent in several frames
	maxRequest   = 64 << 10
	requestLimit = 10 * time.Second // to send the request, once connected
)

type request struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
}

type createFrame struct {
	ID   uint32 `json:"id"`
	Name string `json:"name"`
	Main bool   `json:"main"`
}

type progressFrame struct {
	What  string `json:"what"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

type exitFrame struct {
	Error string `json:"error,omitempty"`
	Usage bool   `json:"usage,omitempty"`
}

func writeFrame(w io.Writer, kind byte, payload ...[]byte) error {
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	var head [5]byte
	head[0] = kind
	binary.BigEndian.PutUint32(head[1:], uint32(n))
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	for _, p := range payload {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

func writeJSONFrame(w io.Writer, kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, kind, b)
}

// readFrame reads one frame into buf (grown as needed) and returns its
// kind and payload.
func readFrame(r io.Reader, buf []byte, limit int) (byte, []byte, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(head[1:]))
	if n > limit {
		return 0, nil, fmt.Errorf("frame of %d bytes is over the limit of %d", n, limit)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return head[0], buf, nil
}

// dialControl connects to the running bot that holds db, or returns nil
// when none answers (no bot, or a socket left behind by one that crashed).
func dialControl(db string) net.Conn {
	conn, err := net.DialTimeout("unix", reachable(socketPath(db)), time.Second)
	if err != nil {
		return nil
	}
	return conn
}

// remote asks the running bot on conn to do p, and writes what it sends
// back to o.
func (m *Main) remote(ctx context.Context, conn net.Conn, p *prepared, o output) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // Ctrl-C ends the bot's work too
	defer stop()
	bw := bufio.NewWriter(conn)
	if err := writeJSONFrame(bw, frameRequest, request{Command: p.name, Args: p.args, Env: m.forwardEnv()}); err != nil {
		return fmt.Errorf("ask the running bot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ask the running bot: %w", err)
	}
	files := map[uint32]io.WriteCloser{}
	br := bufio.NewReaderSize(conn, 256<<10)
	var buf []byte
	for {
		kind, payload, err := readFrame(br, buf, maxFrame+4)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("the running bot stopped answering before %s finished (did it stop?); nothing was written: %v", p.name, err)
		}
		buf = payload[:0]
		switch kind {
		case frameCreate:
			var c createFrame
			if err := json.Unmarshal(payload, &c); err != nil {
				return fmt.Errorf("the running bot sent a bad file header: %w", err)
			}
			f, err := o.Create(filepath.Base(c.Name), c.Main)
			if err != nil {
				return err
			}
			files[c.ID] = f
		case frameData, frameEnd:
			if len(payload) < 4 {
				return errors.New("the running bot sent a bad frame")
			}
			f := files[binary.BigEndian.Uint32(payload)]
			if f == nil {
				return errors.New("the running bot sent data for a file it did not start")
			}
			if kind == frameEnd {
				if err := f.Close(); err != nil {
					return err
				}
				continue
			}
			if _, err := f.Write(payload[4:]); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		case frameProgress:
			var pr progressFrame
			if json.Unmarshal(payload, &pr) == nil {
				o.Progress(pr.What, pr.Done, pr.Total)
			}
		case frameExit:
			var x exitFrame
			if err := json.Unmarshal(payload, &x); err != nil {
				return fmt.Errorf("the running bot sent a bad answer: %w", err)
			}
			switch {
			case x.Error == "":
				return nil
			case x.Usage:
				return &usageError{x.Error}
			default:
				return errors.New(x.Error)
			}
		default:
			return fmt.Errorf("the running bot sent a frame of unknown kind %q", kind)
		}
	}
}

// control serves the control socket of a running bot.
type control struct {
	m     *Main
	store *boltstore.Store
	log   *slog.Logger
	ln    net.Listener
	wg    sync.WaitGroup
	busy  chan struct{} // at most cap(busy) commands at once
}

// serveControl listens on the control socket of store's database until ctx
// ends. A socket left behind by a bot that crashed is replaced: holding the
// database means no other bot serves it. It returns a function that stops
// serving and waits for commands in progress.
func (m *Main) serveControl(ctx context.Context, store *boltstore.Store, log *slog.Logger) (stop func(), err error) {
	path := reachable(socketPath(store.Path()))
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("replace the control socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on the control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict the control socket %s: %w", path, err)
	}
	c := &control{m: m, store: store, log: log, ln: ln, busy: make(chan struct{}, 2)}
	ctx, cancel := context.WithCancel(ctx)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.accept(ctx)
	}()
	stopped := context.AfterFunc(ctx, func() { ln.Close() })
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			stopped()
			ln.Close()
			c.wg.Wait()
		})
	}, nil
}

// serveControlOrWarn serves the control socket, or logs why it cannot: the
// bot runs on, and export, report and backup wait for it to stop.
func (m *Main) serveControlOrWarn(ctx context.Context, store *boltstore.Store, log *slog.Logger) (stop func()) {
	stop, err := m.serveControl(ctx, store, log)
	if err != nil {
		log.Warn("export, report and backup cannot reach the bot while it runs", "err", err)
		return func() {}
	}
	return stop
}

func (c *control) accept(ctx context.Context) {
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				c.log.Error("control socket stopped", "err", err)
			}
			return
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.serve(ctx, conn)
		}()
	}
}

// serve runs one command for the command line on conn.
func (c *control) serve(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	if uc, ok := conn.(*net.UnixConn); ok {
		if uid, known := peerUID(uc); known && uid != os.Getuid() && uid != 0 {
			c.log.Warn("control socket: refused a connection from another user", "uid", uid)
			return
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	conn.SetReadDeadline(time.Now().Add(requestLimit))
	kind, payload, err := readFrame(conn, nil, maxRequest)
	if err != nil || kind != frameRequest {
		c.log.Warn("control socket: no request", "err", err)
		return
	}
	conn.SetReadDeadline(time.Time{})
	go func() {
		// The command line sends nothing more; a read ending means it went
		// away (Ctrl-C), and the work stops.
		var b [1]byte
		conn.Read(b[:])
		cancel()
	}()
	var req request
	bw := bufio.NewWriterSize(conn, 64<<10)
	out := &remoteOutput{w: bw}
	finish := func(err error) {
		var x exitFrame
		if err != nil {
			x.Error = err.Error()
			var ue *usageError
			x.Usage = errors.As(err, &ue)
		}
		if werr := writeJSONFrame(bw, frameExit, x); werr == nil {
			bw.Flush()
		}
	}
	if err := json.Unmarshal(payload, &req); err != nil {
		finish(fmt.Errorf("bad request: %v", err))
		return
	}
	prepare, ok := jobs[req.Command]
	if !ok {
		finish(fmt.Errorf("the running bot does not do %q", req.Command))
		return
	}
	select {
	case c.busy <- struct{}{}:
		defer func() { <-c.busy }()
	case <-ctx.Done():
		return
	}
	env := req.Env
	m := &Main{Stdin: eofReader{}, Stdout: io.Discard, Stderr: io.Discard, Now: c.m.Now,
		Getenv: func(k string) string { return env[k] }}
	p, err := prepare(m, req.Args)
	if err != nil {
		finish(err)
		return
	}
	start := time.Now()
	c.log.Info("control socket: running a command for the command line", "command", req.Command)
	err = p.run(ctx, c.store, out, viaRunningBot)
	if err == nil {
		err = out.err
	}
	if err != nil {
		c.log.Warn("control socket: command failed", "command", req.Command, "err", err)
	} else {
		c.log.Info("control socket: command done", "command", req.Command, "seconds", time.Since(start).Seconds())
	}
	finish(err)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// remoteOutput sends a command's files to the command line as frames.
type remoteOutput struct {
	w        *bufio.Writer
	next     uint32
	err      error // the first write that failed
	lastSent time.Time
}

type remoteFile struct {
	o      *remoteOutput
	id     [4]byte
	closed bool
}

func (o *remoteOutput) Create(name string, main bool) (io.WriteCloser, error) {
	if o.err != nil {
		return nil, o.err
	}
	o.next++
	f := &remoteFile{o: o}
	binary.BigEndian.PutUint32(f.id[:], o.next)
	if err := writeJSONFrame(o.w, frameCreate, createFrame{ID: o.next, Name: name, Main: main}); err != nil {
		o.err = fmt.Errorf("send to the command line: %w", err)
		return nil, o.err
	}
	return f, nil
}

func (o *remoteOutput) Progress(what string, done, total int) {
	if o.err != nil || (time.Since(o.lastSent) < 200*time.Millisecond && done < total) {
		return
	}
	o.lastSent = time.Now()
	if writeJSONFrame(o.w, frameProgress, progressFrame{What: what, Done: done, Total: total}) == nil {
		o.w.Flush() // a failure shows at the next write
	}
}

func (f *remoteFile) Write(p []byte) (int, error) {
	if f.o.err != nil {
		return 0, f.o.err
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), maxFrame)]
		if err := writeFrame(f.o.w, frameData, f.id[:], chunk); err != nil {
			f.o.err = fmt.Errorf("send to the command line: %w", err)
			return n, f.o.err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

func (f *remoteFile) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if f.o.err != nil {
		return f.o.err
	}
	if err := writeFrame(f.o.w, frameEnd, f.id[:]); err != nil {
		f.o.err = fmt.Errorf("send to the command line: %w", err)
	}
	return f.o.err
}
