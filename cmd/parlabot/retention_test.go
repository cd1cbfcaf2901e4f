package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"365d", 365 * 24 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"8760h", 8760 * time.Hour, true},
		{"36h30m", 36*time.Hour + 30*time.Minute, true},
		{" 30d ", 30 * 24 * time.Hour, true},
		{"0", 0, true},
		{"0d", 0, true},
		{"", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"-30d", 0, false},
		{"-1h", 0, false},
		{"a year", 0, false},
		{"365", 0, false},
	}
	for _, tt := range tests {
		got, err := parseRetention(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestRetentionBadUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad flag", nil, []string{"run", "--db", db, "--token", "1:x", "--retention", "a year"}, `invalid value "a year" for flag -retention: "a year" is not a retention period; write days as 365d`},
		{"bad variable", map[string]string{"PARLABOT_RETENTION": "12 months"}, []string{"run", "--db", db, "--token", "1:x"}, `PARLABOT_RETENTION: "12 months" is not a retention period`},
		{"sandbox", nil, []string{"sandbox", "--db", db, "--retention", "-5d"}, `invalid value "-5d" for flag -retention`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parlabot(t, context.Background(), tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// lockedBuffer is a buffer written by the command and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// parlabot run with PARLABOT_RETENTION unlinks the responses of a
// consultation closed longer ago than that.
func TestRunAppliesRetention(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	addResponse(t, db, "p-ana", map[string]consultations.Answer{"watched": {Choices: []string{"yes"}}})
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Consultation(context.Background(), "livestream-2026")
	if err != nil {
		t.Fatal(err)
	}
	c.Status, c.ClosedAt = consultations.StatusClosed, time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := s.PutConsultation(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	s.Close()

	var stderr lockedBuffer
	env := map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL(), "PARLABOT_RETENTION": "365d"}
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--db", db}) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "responses unlinked from citizens") {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("no retention after 10s; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}

	s, err = boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, _ := s.Consultation(context.Background(), "livestream-2026"); c == nil || c.Anonymised.IsZero() {
		t.Errorf("consultation = %+v, want it anonymised", c)
	}
	if _, err := s.Response(context.Background(), "livestream-2026", "p-ana"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("the pseudonym still leads to a response: %v", err)
	}
}
