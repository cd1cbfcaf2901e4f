package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// gauge reads one series' value from the metrics, as Prometheus would.
func gauge(t *testing.T, m *bot.Metrics, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	v, ok := seriesValue(rec.Body.String(), series)
	if !ok {
		t.Fatalf("no series %s in the metrics", series)
	}
	return v
}

// seriesValue finds a series in Prometheus's text format.
func seriesValue(text, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// get fetches a URL and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestHealthz(t *testing.T) {
	running, stopped := context.Background(), func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}()
	answers := func(context.Context) error { return nil }
	hangs := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	closed := func(context.Context) error {
		return errors.New("read update: database not open\n(closed)")
	}
	tests := []struct {
		name    string
		ctx     context.Context
		started bool
		read    func(context.Context) error
		code    int
		body    string
	}{
		{"running", running, true, answers, 200, "ok\n"},
		{"not started", running, false, answers, 503, "the bot is not running\n"},
		{"stopping", stopped, true, answers, 503, "stopping\n"},
		{"database closed", running, true, closed, 503, "the database does not answer: read update: database not open (closed)\n"},
		{"database stuck", running, true, hangs, 503, "the database did not answer within 50ms\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &health{ctx: tt.ctx, read: tt.read, timeout: 50 * time.Millisecond}
			h.running.Store(tt.started)
			addr, stop, err := serveMetrics("127.0.0.1:0", bot.NewMetrics(), h, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			code, body := get(t, "http://"+addr+"/healthz")
			if code != tt.code || body != tt.body {
				t.Errorf("GET /healthz = %d %q, want %d %q", code, body, tt.code, tt.body)
			}
		})
	}
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond until it holds, or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// parlabot run with --metrics-addr and --backup-dir: /healthz says ok,
// /metrics counts the citizen's message, today's backup is written at
// start, and a stop is still clean.
func TestRunServesMetricsAndBacksUp(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	backups := filepath.Join(t.TempDir(), "backups")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- parlabot(t, ctx, map[string]string{
			"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL(), "PARLABOT_BACKUP_DIR": backups,
		}, "run", "--db", db, "--metrics-addr", addr, "--backup-keep", "3")
	}()
	ana := srv.User(7, "es")
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ana.SendWait(wctx, "/start livestream-2026"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "healthy", func() bool {
		code, _ := get(t, "http://"+addr+"/healthz")
		return code == 200
	})
	_, text := get(t, "http://"+addr+"/metrics")
	if v, ok := seriesValue(text, `parlabot_updates_received_total{type="message"}`); !ok || v != 1 {
		t.Errorf("messages received = %v (present %v), want 1", v, ok)
	}
	if _, ok := seriesValue(text, "go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
	today := filepath.Join(backups, "parlabot-2026-12-10.db")
	waitFor(t, "backed up at start", func() bool {
		_, err := os.Stat(today)
		return err == nil
	})
	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("exit %d after stop, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `"msg":"daily backup written"`) {
		t.Errorf("stderr lacks the backup's log line:\n%s", r.stderr)
	}
	copy, err := boltstore.Open(today, boltstore.Options{})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copy.Close()
	if _, err := copy.Consultation(context.Background(), "livestream-2026"); err != nil {
		t.Errorf("the backup lacks the consultation: %v", err)
	}
}

func TestMetricsAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, db := importedDB(t)
	r := parlabot(t, context.Background(), map[string]string{"TELEGRAM_BOT_TOKEN": "1:x"}, "run", "--db", db, "--metrics-addr", ln.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "the port is in use; choose another with --metrics-addr") {
		t.Errorf("exit %d, stderr %q; want 1 and the port in use", r.code, r.stderr)
	}
}
