package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens a store on path and closes it when the test ends.
func openAt(t *testing.T, path string, clk *clock) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTest opens a store on a fresh file in t.TempDir.
func openTest(t *testing.T) (*Store, *clock) {
	t.Helper()
	clk := newClock()
	return openAt(t, filepath.Join(t.TempDir(), "parlabot.db"), clk), clk
}

// wantCode fails the test unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := consultations.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parlabot.db")
	openAt(t, path, newClock())

	// bbolt's flock belongs to the open file, so a second Open in the same
	// process waits for the lock just as another process would.
	s, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("second Open of a held file succeeded, want ELOCKED")
	}
	wantCode(t, err, consultations.ELOCKED)
	want := fmt.Sprintf("database %s is in use by another process (probably another parlabot is running); stop it or choose another file with --db", path)
	if got := err.Error(); got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notBolt, notes := filepath.Join(dir, "notes.txt"), []byte("these are not the pages you are looking for\n")
	if err := os.WriteFile(notBolt, notes, 0o600); err != nil {
		t.Fatal(err)
	}
	bigNotBolt, zeros := filepath.Join(dir, "big.txt"), make([]byte, 64<<10)
	if err := os.WriteFile(bigNotBolt, zeros, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		code    string
		want    string
		content []byte // a file that must be left as it was
	}{
		{
			name: "missing directory",
			path: filepath.Join(dir, "nope", "parlabot.db"),
			code: consultations.EINVALID,
			want: fmt.Sprintf("cannot open database %s: directory %s does not exist; create it or choose another file with --db",
				filepath.Join(dir, "nope", "parlabot.db"), filepath.Join(dir, "nope")),
		},
		{
			name: "directory",
			path: dir,
			code: consultations.EINVALID,
			want: fmt.Sprintf("cannot open database %s: it is a directory; choose a file with --db", dir),
		},
		{
			name:    "small file that is not a database",
			path:    notBolt,
			code:    consultations.EINVALID,
			want:    fmt.Sprintf("cannot open database %s: not a parlabot database, or damaged (invalid database); choose another file with --db", notBolt),
			content: notes,
		},
		{
			name:    "large file that is not a database",
			path:    bigNotBolt,
			code:    consultations.EINVALID,
			content: zeros,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path, Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.path)
			}
			wantCode(t, err, tt.code)
			if tt.content != nil {
				if got, _ := os.ReadFile(tt.path); !bytes.Equal(got, tt.content) {
					t.Errorf("failed Open changed %s", tt.path)
				}
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
			if !oneLineNaming(err.Error(), tt.path) {
				t.Errorf("error = %q, want one line naming %s", err, tt.path)
			}
		})
	}
}

func TestOpenPermissionDenied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parlabot.db")
	if err := os.WriteFile(path, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if os.Geteuid() == 0 {
		// root ignores file permissions: check the mapping of the error alone.
		err = openError(path, &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES})
	}
	wantCode(t, err, consultations.EINVALID)
	if !oneLineNaming(err.Error(), path) {
		t.Errorf("error = %q, want one line naming %s", err, path)
	}
}

// oneLineNaming reports whether msg is one line that names path.
func oneLineNaming(msg, path string) bool {
	return !strings.Contains(msg, "\n") && strings.Contains(msg, path)
}

func TestPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parlabot.db")
	s := openAt(t, path, newClock())
	if got := s.Path(); got != path {
		t.Errorf("Path() = %q, want %q", got, path)
	}
}

func TestSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parlabot.db")
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := testConsultation("survey")
	if err := s.PutConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := testResponse("survey", "p1", true)
	citizen := testCitizen(42)
	if err := s.Commit(ctx, consultations.Change{UpdateID: 7, Citizen: citizen, Response: r}); err != nil {
		t.Fatal(err)
	}
	key, err := s.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, path, clk)
	if got, err := s.Consultation(ctx, "survey"); err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("Consultation after reopen = %+v, %v; want %+v", got, err, c)
	}
	if got, err := s.Response(ctx, "survey", "p1"); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("Response after reopen = %+v, %v; want %+v", got, err, r)
	}
	if got, err := s.Citizen(ctx, 42); err != nil || !reflect.DeepEqual(got, citizen) {
		t.Errorf("Citizen after reopen = %+v, %v; want %+v", got, err, citizen)
	}
	if got, err := s.CountCompleted(ctx, "survey"); err != nil || got != 1 {
		t.Errorf("CountCompleted after reopen = %d, %v; want 1", got, err)
	}
	if got, err := s.UpdateSeen(ctx, 7); err != nil || !got {
		t.Errorf("UpdateSeen(7) after reopen = %v, %v; want true", got, err)
	}
	if got, err := s.Secret(ctx, consultations.PseudonymKey); err != nil || string(got) != string(key) {
		t.Errorf("Secret after reopen = %x, %v; want %x", got, err, key)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Consultation(ctx, "survey")
	wantCode(t, err, consultations.EINTERNAL)
	err = s.Commit(ctx, consultations.Change{Citizen: testCitizen(1)})
	wantCode(t, err, consultations.EINTERNAL)
}
