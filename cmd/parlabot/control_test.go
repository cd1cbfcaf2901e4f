package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// runningBot starts "parlabot run" on db against a fake Telegram and waits
// until its control socket answers; the returned function stops it.
func runningBot(t *testing.T, db string) (stop func()) {
	t.Helper()
	srv := telegramtest.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- parlabot(t, ctx, map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL()}, "run", "--db", db)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if conn := dialControl(db); conn != nil {
			conn.Close()
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the bot stopped: exit %d, %s", r.code, r.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the bot's control socket never answered")
		}
	}
	return func() {
		cancel()
		if r := <-done; r.code != 0 {
			t.Errorf("the bot exited %d: %s", r.code, r.stderr)
		}
		srv.Close()
	}
}

// TestCommandsWhileTheBotRuns exports, reports and backs up while "parlabot
// run" holds the database: the commands ask it over the socket and get the
// same files as when it is stopped.
func TestCommandsWhileTheBotRuns(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	addResponse(t, db, "3f2a", map[string]consultations.Answer{
		"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 4},
		"channels": {Choices: []string{"website", "tv"}}, "comment": {Text: "=1+1 Más cámaras 👍🏽"},
	})
	addResponse(t, db, "77aa", map[string]consultations.Answer{"watched": {Choices: []string{"no"}}})
	want := map[string][]byte{}
	for _, format := range []string{"csv", "jsonl"} {
		out := filepath.Join(dir, "stopped."+format)
		if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", format, "--out", out); r.code != 0 {
			t.Fatalf("export while stopped: %s", r.stderr)
		}
		want[format], _ = os.ReadFile(out)
	}

	stop := runningBot(t, db)
	for _, format := range []string{"csv", "jsonl"} {
		out := filepath.Join(dir, "running."+format)
		r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", format, "--out", out)
		if r.code != 0 {
			t.Fatalf("export %s while running: exit %d, %s", format, r.code, r.stderr)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want[format]) {
			t.Errorf("%s export while running differs from the one while stopped:\n%s\nwant\n%s", format, got, want[format])
		}
	}
	for _, book := range []string{"livestream-2026-codebook.csv", "livestream-2026-codebook.json"} {
		if _, err := os.Stat(filepath.Join(dir, book)); err != nil {
			t.Errorf("codebook beside the export: %v", err)
		}
	}
	r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "jsonl")
	if r.code != 0 || !bytes.Equal([]byte(r.stdout), want["jsonl"]) {
		t.Errorf("export to stdout while running: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	r = parlabot(t, ctx, nil, "export", "--db", db, "--all", "--format", "xlsx", "--out", filepath.Join(dir, "all"))
	if _, err := os.Stat(filepath.Join(dir, "all", "livestream-2026.xlsx")); r.code != 0 || err != nil {
		t.Errorf("export --all while running: exit %d, %s, %v", r.code, r.stderr, err)
	}
	r = parlabot(t, ctx, map[string]string{"PARLABOT_LANG": "pt"}, "report", "--db", db, "--consultation", "livestream-2026", "--format", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "Avalie a transmissão") {
		t.Errorf("report in Portuguese while running: exit %d, stderr %s, stdout\n%s", r.code, r.stderr, r.stdout)
	}
	// The database named through the environment, which the running bot
	// doesn't see: its message still names the file.
	r = parlabot(t, ctx, map[string]string{"PARLABOT_DB": db}, "export", "--consultation", "nope", "--format", "csv")
	if r.code != 1 || !strings.Contains(r.stderr, `no consultation "nope" in `+db) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown slug while running: exit %d, %q", r.code, r.stderr)
	}
	tty := &terminalBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: tty, Getenv: func(string) string { return "" }, Now: time.Now}
	if code := m.Run(ctx, []string{"export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", filepath.Join(dir, "tty.csv")}); code != 0 || !strings.Contains(tty.String(), "100%  2 of 2") {
		t.Errorf("progress through the running bot: exit %d, stderr %q", code, tty.String())
	}
	backup := filepath.Join(dir, "copy.db")
	r = parlabot(t, ctx, nil, "backup", "--db", db, "--out", backup)
	if r.code != 0 || !strings.Contains(r.stdout, "Backed up") {
		t.Fatalf("backup while running: exit %d, %s", r.code, r.stderr)
	}
	stop()

	if _, err := os.Stat(socketPath(db)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket outlives the bot: %v", err)
	}
	cp, err := boltstore.Open(backup, boltstore.Options{})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	n := 0
	cp.EachResponse(ctx, "livestream-2026", func(*consultations.Response) error { n++; return nil })
	cp.Close()
	if n != 2 {
		t.Errorf("the backup holds %d responses, want 2", n)
	}
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := s.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	through := 0
	for _, e := range entries {
		if strings.Contains(e.Detail, "through the running bot") {
			through++
		}
	}
	if through < 4 { // two exports to files, one to stdout, one --all, one backup
		t.Errorf("%d audit entries through the running bot, want at least 4: %+v", through, entries)
	}
}

// TestStaleSocket checks that a socket left behind by a bot that crashed
// neither blocks the commands nor the next bot.
func TestStaleSocket(t *testing.T) {
	dir, db := importedDB(t)
	ln, err := net.Listen("unix", socketPath(db))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	ctx := context.Background()
	out := filepath.Join(dir, "x.csv")
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", out); r.code != 0 {
		t.Fatalf("export beside a stale socket: exit %d, %s", r.code, r.stderr)
	}
	stop := runningBot(t, db)
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", out); r.code != 0 {
		t.Errorf("export through a bot that replaced a stale socket: exit %d, %s", r.code, r.stderr)
	}
	stop()
}

// terminalBuffer is a stderr that says it is a terminal.
type terminalBuffer struct{ bytes.Buffer }

func (*terminalBuffer) IsTerminal() bool { return true }

// TestExportProgress checks the progress bar on a terminal, and that
// piped the command is quiet.
func TestExportProgress(t *testing.T) {
	dir, db := importedDB(t)
	addResponse(t, db, "3f2a", map[string]consultations.Answer{"watched": {Choices: []string{"yes"}}})
	run := func(stderr interface {
		Write([]byte) (int, error)
		String() string
	}) string {
		m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: stderr,
			Getenv: func(string) string { return "" }, Now: time.Now}
		if code := m.Run(context.Background(), []string{"export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", filepath.Join(dir, "p.csv")}); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stderr.String()
	}
	got := run(&terminalBuffer{})
	if !strings.Contains(got, "livestream-2026  [########################] 100%  1 of 1") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("on a terminal stderr = %q, want a full bar, then cleared", got)
	}
	if got := run(&bytes.Buffer{}); got != "" {
		t.Errorf("piped stderr = %q, want nothing", got)
	}
}

// TestExportAll exports every consultation into a directory, a file and a
// codebook each.
func TestExportAll(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	src, err := os.ReadFile("testdata/livestream-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "second.yaml")
	os.WriteFile(second, bytes.Replace(src, []byte("slug: livestream-2026"), []byte("slug: livestream-2027"), 1), 0o644)
	if r := parlabot(t, ctx, nil, "import", "--db", db, second); r.code != 0 {
		t.Fatal(r.stderr)
	}
	addResponse(t, db, "3f2a", map[string]consultations.Answer{"watched": {Choices: []string{"no"}}})
	out := filepath.Join(dir, "exports")
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--all", "--format", "csv", "--out", out); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"livestream-2026.csv", "livestream-2026-codebook.csv", "livestream-2027.csv", "livestream-2027-codebook.csv"} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Error(err)
			continue
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) < 1 {
			t.Errorf("%s: %v, %d rows", name, err, len(rows))
		}
		if name == "livestream-2026.csv" && len(rows) != 2 {
			t.Errorf("%s: %d rows, want header and one response", name, len(rows))
		}
	}
	// One consultation into an existing directory lands as DIR/SLUG.jsonl.
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--out", out); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	f, err := os.Open(filepath.Join(out, "livestream-2026.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line["participant"] != "3f2a" {
			t.Errorf("line %s: %v", sc.Bytes(), err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--all", "--format", "csv"}, "--out DIR"},
		{[]string{"--all", "--consultation", "livestream-2026", "--out", out}, "not both"},
		{[]string{"--format", "csv"}, "--consultation SLUG, or --all"},
	} {
		r := parlabot(t, ctx, nil, append([]string{"export", "--db", db}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestBackup copies the database while no bot runs, and refuses what
// would lose data or make no sense.
func TestBackup(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	out := filepath.Join(dir, "b.db")
	if r := parlabot(t, ctx, nil, "backup", "--db", db, "--out", out); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	cp, err := boltstore.Open(out, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Consultation(ctx, "livestream-2026"); err != nil {
		t.Errorf("the copy lacks the consultation: %v", err)
	}
	cp.Close()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup", "--db", db}, 2, "needs --out FILE"},
		{[]string{"backup", "--db", db, "--out", dir}, 2, "is a directory"},
		{[]string{"backup", "--db", filepath.Join(dir, "none.db"), "--out", out}, 1, "no database at"},
		{[]string{"backup", "--db", db, "--out", filepath.Join(dir, "none", "b.db")}, 1,
			"cannot write " + filepath.Join(dir, "none", "b.db") + ": the folder " + filepath.Join(dir, "none") + " does not exist; create it or choose another --out"},
		{[]string{"export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", filepath.Join(dir, "none", "r.csv")}, 1,
			"the folder " + filepath.Join(dir, "none") + " does not exist"},
	} {
		r := parlabot(t, ctx, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
