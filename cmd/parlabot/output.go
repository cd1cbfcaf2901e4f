package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// output is where a command's files go. The command names each file; the
// output decides where it lands (standard output, --out FILE, beside it, or
// in --out DIR), so that the same command writes the same files whether it
// runs here or inside the running bot (see control.go).
type output interface {
	// Create starts a file. main marks the command's main result, the one
	// --out names; the others (codebooks) go beside it.
	Create(name string, main bool) (io.WriteCloser, error)
	// Progress reports how far the command is: done of total rows of
	// what (a consultation's slug). total 0 means unknown.
	Progress(what string, done, total int)
}

// localOutput writes files on this machine. Files appear whole or not at
// all: each is written to a temporary file, and all are renamed into place
// by commit once the command has succeeded.
type localOutput struct {
	stdout io.Writer
	out    string // --out: a file, or with dir a directory; "" for stdout
	dir    bool   // out is a directory (export --all)
	bar    *progressBar
	temps  []*tempFile
}

type tempFile struct {
	f      *os.File
	path   string // where it goes on commit
	closed bool
}

func (t *tempFile) Write(p []byte) (int, error) { return t.f.Write(p) }

func (t *tempFile) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if err := t.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	return nil
}

// nopCloser is standard output, which a command does not close.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (o *localOutput) Create(name string, main bool) (io.WriteCloser, error) {
	var path string
	switch {
	case o.dir:
		path = filepath.Join(o.out, name)
	case o.out == "" && main:
		return nopCloser{o.stdout}, nil
	case o.out == "":
		return nopCloser{io.Discard}, nil // a codebook goes beside --out, and there is none
	case main:
		path = o.out
	default:
		path = filepath.Join(filepath.Dir(o.out), name)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, createError(path, err)
	}
	t := &tempFile{f: f, path: path}
	o.temps = append(o.temps, t)
	return t, nil
}

// createError says why the file at path can't be written, and what to do,
// without the name of the temporary file it is first written as.
func createError(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !exists(dir):
		return fmt.Errorf("cannot write %s: the folder %s does not exist; create it or choose another --out", path, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot write %s: no permission to write in %s; choose another --out", path, dir)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot write %s: %v; choose another --out", path, err)
}

// exists reports whether there is a file or folder at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (o *localOutput) Progress(what string, done, total int) {
	if o.bar != nil {
		o.bar.show(what, done, total)
	}
}

// commit renames every file into place.
func (o *localOutput) commit() error {
	o.bar.clear()
	for _, t := range o.temps {
		if err := t.Close(); err != nil {
			return err
		}
	}
	for _, t := range o.temps {
		if err := os.Rename(t.f.Name(), t.path); err != nil {
			return fmt.Errorf("write %s: %w", t.path, err)
		}
	}
	o.temps = nil
	return nil
}

// abort removes every file not committed.
func (o *localOutput) abort() {
	o.bar.clear()
	for _, t := range o.temps {
		t.Close()
		os.Remove(t.f.Name())
	}
	o.temps = nil
}

// progressBar draws one line on a terminal, redrawn in place at most ten
// times a second:
//
//	livestream-2026  [#########...........]  45%  450,000 of 1,000,000
type progressBar struct {
	w     io.Writer
	now   func() time.Time
	last  time.Time
	drawn bool
}

const barWidth = 24

func (p *progressBar) show(what string, done, total int) {
	if p == nil {
		return
	}
	now := p.now()
	if p.drawn && now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last, p.drawn = now, true
	var line string
	if total > 0 {
		done = min(done, total)
		filled := barWidth * done / total
		line = fmt.Sprintf("%s  [%s%s] %3d%%  %s of %s", what,
			strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
			100*done/total, thousands(done), thousands(total))
	} else {
		line = fmt.Sprintf("%s  %s", what, thousands(done))
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

// clear removes the bar, so that what follows starts on a clean line.
func (p *progressBar) clear() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.drawn = false
}

// english writes numbers as the command line's English does: 1,000,000.
var english = message.NewPrinter(language.English)

// thousands writes n with comma separators: 1,000,000.
func thousands(n int) string { return english.Sprintf("%d", n) }

// terminal reports whether w is a terminal a person watches. A writer may
// say so itself (tests do); a file says so when it is a character device.
func terminal(w io.Writer) bool {
	if t, ok := w.(interface{ IsTerminal() bool }); ok {
		return t.IsTerminal()
	}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return true
		}
	}
	return false
}

// pipe reports whether w is a pipe to another program.
func pipe(w io.Writer) bool {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
			return true
		}
	}
	return false
}

// newOutput is the output for a command with the given --out (dir: a
// directory of files). It shows a progress bar when a person watches
// stderr, unless the data go to standard output and that is a pipe or the
// same terminal: piped, the command is quiet.
func (m *Main) newOutput(out string, dir bool) *localOutput {
	o := &localOutput{stdout: m.Stdout, out: out, dir: dir}
	if terminal(m.Stderr) && (out != "" || !pipe(m.Stdout) && !terminal(m.Stdout)) {
		o.bar = &progressBar{w: m.Stderr, now: time.Now}
	}
	return o
}
