package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// backupDirFiles lists the directory's files, sorted.
func backupDirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// openedStore opens a database with the reference consultation.
func openedStore(t *testing.T) *boltstore.Store {
	t.Helper()
	_, db := importedDB(t)
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBackupDue(t *testing.T) {
	dir := t.TempDir()
	d := &dailyBackups{dir: dir}
	day := time.Date(2026, 12, 10, 23, 59, 0, 0, time.UTC)
	if !d.due(day) {
		t.Error("due = false with no backup, want true")
	}
	os.WriteFile(filepath.Join(dir, "parlabot-2026-12-10.db"), []byte("x"), 0o600)
	if d.due(day) {
		t.Error("due = true with today's backup there, want false")
	}
	if !d.due(day.Add(2 * time.Minute)) {
		t.Error("due = false just after midnight, want true: a new day wants its backup")
	}
}

// Ten days of backups with --backup-keep 7: one file a day however often it
// looks, each a database that opens with the data, the seven newest kept,
// and nothing else in the directory touched.
func TestDailyBackupsKeepTheNewest(t *testing.T) {
	store := openedStore(t)
	dir := t.TempDir()
	for _, other := range []string{"notes.txt", "parlabot-latest.db", "parlabot-2026-12-01.db.bak"} {
		os.WriteFile(filepath.Join(dir, other), []byte("keep me"), 0o600)
	}
	clock := &testClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	metrics := bot.NewMetrics()
	d := &dailyBackups{dir: dir, keep: 7, store: store, now: clock.Now, log: slog.New(slog.DiscardHandler), metrics: metrics}
	ctx := context.Background()
	for range 10 {
		for range 3 { // three looks a day
			if err := d.tick(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Hour)
		}
		clock.Add(21 * time.Hour)
	}
	want := []string{"notes.txt", "parlabot-2026-12-01.db.bak",
		"parlabot-2026-12-04.db", "parlabot-2026-12-05.db", "parlabot-2026-12-06.db", "parlabot-2026-12-07.db",
		"parlabot-2026-12-08.db", "parlabot-2026-12-09.db", "parlabot-2026-12-10.db", "parlabot-latest.db"}
	if got := backupDirFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %q\nwant    %q", got, want)
	}
	path := filepath.Join(dir, "parlabot-2026-12-10.db")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600: it holds personal data", fi.Mode().Perm())
	}
	copy, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copy.Close()
	if _, err := copy.Consultation(ctx, "livestream-2026"); err != nil {
		t.Errorf("the backup lacks the consultation: %v", err)
	}
	if got := gauge(t, metrics, "parlabot_backup_last_success_timestamp_seconds"); got != float64(time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("last backup timestamp = %v", got)
	}
}

// failingSource fails half-way through a copy, as a full disk would.
type failingSource struct{}

func (failingSource) Backup(ctx context.Context, w io.Writer) (int64, error) {
	w.Write([]byte("half a database"))
	return 0, errors.New("write: no space left on device")
}

// A failed backup leaves no file, not even a partial one, is logged at
// error level and counted, and is tried again at the next look.
func TestFailedBackupLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	metrics := bot.NewMetrics()
	clock := &testClock{t: time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)}
	d := &dailyBackups{dir: dir, keep: 7, store: failingSource{}, now: clock.Now,
		log: slog.New(slog.NewJSONHandler(&logs, nil)), metrics: metrics}
	if err := d.tick(context.Background()); err == nil {
		t.Fatal("tick succeeded with a failing copy")
	}
	if got := backupDirFiles(t, dir); len(got) != 0 {
		t.Errorf("files left after a failed backup: %q", got)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"daily backup failed`) || !strings.Contains(logs.String(), "no space left") {
		t.Errorf("log:\n%s\nwant the failure at error level with its cause", logs.String())
	}
	if got := gauge(t, metrics, `parlabot_errors_total{kind="backup"}`); got != 1 {
		t.Errorf("backup errors = %v, want 1", got)
	}
	if !d.due(clock.Now()) {
		t.Error("after a failure today's backup is not due any more")
	}
}

// The temporary file of a backup a crash interrupted is removed once it is
// a day old; a fresh one (a backup in progress) is left alone.
func TestPruneRemovesOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)
	old := filepath.Join(dir, ".parlabot-2026-12-08.db.tmp-123")
	fresh := filepath.Join(dir, ".parlabot-2026-12-10.db.tmp-456")
	for _, p := range []string{old, fresh} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	os.Chtimes(old, now.Add(-48*time.Hour), now.Add(-48*time.Hour))
	os.Chtimes(fresh, now.Add(-time.Minute), now.Add(-time.Minute))
	d := &dailyBackups{dir: dir, keep: 7, log: slog.New(slog.DiscardHandler)}
	if err := d.prune(now); err != nil {
		t.Fatal(err)
	}
	if got := backupDirFiles(t, dir); !slices.Equal(got, []string{filepath.Base(fresh)}) {
		t.Errorf("files = %q, want only the fresh temporary file", got)
	}
}

func TestBackupFlags(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"keep 0", nil, []string{"--backup-dir", "b", "--backup-keep", "0"}, "--backup-keep 0: keep at least 1 daily backup"},
		{"keep without a directory", nil, []string{"--backup-keep", "3"}, "--backup-keep needs --backup-dir"},
		{"keep from the environment, not a number", map[string]string{"PARLABOT_BACKUP_KEEP": "a week"}, nil, `PARLABOT_BACKUP_KEEP="a week": give a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TELEGRAM_BOT_TOKEN": "1:x"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := parlabot(t, context.Background(), env, append([]string{"run"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// A backup directory that cannot be made stops the bot at start, saying
// why, before it answers anyone.
func TestBackupDirThatCannotBeUsed(t *testing.T) {
	_, db := importedDB(t)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	r := parlabot(t, context.Background(), map[string]string{"TELEGRAM_BOT_TOKEN": "1:x"}, "run", "--db", db, "--backup-dir", filepath.Join(file, "backups"))
	if r.code != 1 || !strings.Contains(r.stderr, "cannot use --backup-dir") {
		t.Errorf("exit %d, stderr %q; want 1 and why the directory cannot be used", r.code, r.stderr)
	}
}

// The loop writes today's backup at start, then the next day's at the first
// tick of that day, and stops with its context.
func TestBackupLoop(t *testing.T) {
	store := openedStore(t)
	dir := t.TempDir()
	clock := &testClock{t: time.Date(2026, 12, 10, 23, 30, 0, 0, time.UTC)}
	d := &dailyBackups{dir: dir, keep: 7, store: store, now: clock.Now, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	stopped := make(chan struct{})
	go func() {
		d.run(ctx, ticks)
		close(stopped)
	}()
	ticks <- time.Time{} // taken once the backup at start is done
	if got := backupDirFiles(t, dir); !slices.Equal(got, []string{"parlabot-2026-12-10.db"}) {
		t.Fatalf("files after start = %q, want today's backup", got)
	}
	clock.Add(time.Hour) // past midnight
	ticks <- time.Time{}
	ticks <- time.Time{} // the one before is handled
	if got := backupDirFiles(t, dir); !slices.Equal(got, []string{"parlabot-2026-12-10.db", "parlabot-2026-12-11.db"}) {
		t.Errorf("files after midnight = %q, want the new day's backup too", got)
	}
	cancel()
	<-stopped
}

// TestBackupKeepFromTheEnvironment checks that PARLABOT_BACKUP_KEEP alone,
// without a backup directory, is no error, and that a bad one is named as
// the variable, not as a flag the user never typed.
func TestBackupKeepFromTheEnvironment(t *testing.T) {
	var m Main
	m.Getenv = func(k string) string { return map[string]string{"PARLABOT_BACKUP_KEEP": "0"}[k] }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--backup-dir", t.TempDir()}, "PARLABOT_BACKUP_KEEP=0"},
	} {
		var c common
		fs := m.flags("run", &c)
		o, err := m.opsFlags(fs)
		if err != nil {
			t.Fatal(err)
		}
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err = o.check(fs)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
