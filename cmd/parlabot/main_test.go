package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// result is what a run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// parlabot runs the command as a user would, with env as the environment.
func parlabot(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC) },
	}
	code := m.Run(ctx, args)
	return result{code, out.String(), errb.String()}
}

func TestImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	ctx := context.Background()
	r := parlabot(t, ctx, nil, "import", "testdata/livestream-2026.yaml", "--db", db)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if want := "imported livestream-2026: 6 questions, open (opens 2026-12-01 09:00 -03:00, closes 2027-01-31 23:59 -03:00)\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	r = parlabot(t, ctx, map[string]string{"PARLABOT_DB": db}, "import", "testdata/livestream-2026.yaml")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "updated livestream-2026") {
		t.Errorf("re-import: exit %d, stdout %q, stderr %q; want updated", r.code, r.stdout, r.stderr)
	}
}

func TestImportRefusesABadFileWhole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	ctx := context.Background()
	r := parlabot(t, ctx, nil, "import", "--db", db, "testdata/bad.yaml")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		"testdata/bad.yaml: slug (line 1):",
		`testdata/bad.yaml: questions[0].kind (line 12): unknown kind "slider"; use single, multiple, satisfaction, scale or text`,
		"testdata/bad.yaml: closes (line 9):",
		"(line 14)", // duplicate id q1
		"(line 16)", // text missing in es
		"parlabot: testdata/bad.yaml was not imported",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if all, _ := s.Consultations(ctx); len(all) != 0 {
		t.Errorf("database has %d consultations after a refused import, want 0", len(all))
	}
}

func TestImportRefusesBreakingRecordedAnswers(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	addResponse(t, db, "someone", map[string]consultations.Answer{"watched": {Choices: []string{"yes"}}, "recommend": {Number: 9}})

	data, _ := os.ReadFile("testdata/livestream-2026.yaml")
	edited := strings.Replace(string(data), "kind: scale               # 0 .. 10", "kind: satisfaction", 1)
	path := filepath.Join(dir, "edited.yaml")
	os.WriteFile(path, []byte(edited), 0o644)
	r := parlabot(t, ctx, nil, "import", "--db", db, path)
	if r.code != 1 || !strings.Contains(r.stderr, "questions[2].kind (line 57): cannot change from scale to satisfaction") {
		t.Errorf("exit %d, stderr:\n%s\nwant the kind change refused with its line", r.code, r.stderr)
	}
}

// importedDB is a new database in a temporary directory with the
// reference consultation imported, as a user would import it.
func importedDB(t *testing.T) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "p.db")
	if r := parlabot(t, context.Background(), nil, "import", "--db", db, "testdata/livestream-2026.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	return dir, db
}

func addResponse(t *testing.T, db, participant string, answers map[string]consultations.Answer) {
	t.Helper()
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	err = s.Commit(context.Background(), consultations.Change{Response: &consultations.Response{
		Consultation: "livestream-2026", Participant: participant, Language: "pt",
		Started: now, Completed: now, Updated: now, Answers: answers,
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExportJSONL(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	addResponse(t, db, "3f2a", map[string]consultations.Answer{
		"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 4},
		"channels": {Choices: []string{"website", "tv"}}, "comment": {Text: "Más cámaras"},
	})
	r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "jsonl")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := `{"consultation":"livestream-2026","wave":"follow-up-2026","participant":"3f2a","language":"pt","completed":true,` +
		`"started":"2026-12-10T12:00:00Z","completed_at":"2026-12-10T12:00:00Z","seconds":0,` +
		`"answers":{"watched":"yes","satisfaction":4,"channels":["website","tv"],"comment":"Más cámaras"}}` + "\n"
	if r.stdout != want {
		t.Errorf("stdout =\n%s\nwant\n%s", r.stdout, want)
	}
	out := filepath.Join(dir, "out.jsonl")
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--out", out); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != want {
		t.Errorf("--out file = %s, want %s", got, want)
	}
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log, _ := s.AuditLog(ctx, 10)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Target+" ("+e.Detail+")")
	}
	want2 := []string{
		"export livestream-2026 (command line, jsonl, responses: 1)",
		"export livestream-2026 (command line, jsonl, responses: 1)",
		"import livestream-2026 (command line, livestream-2026.yaml: 6 questions, open)",
	}
	if strings.Join(actions, "\n") != strings.Join(want2, "\n") {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(want2, "\n"))
	}
}

func TestBadUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"serve"}, 2, `parlabot: unknown command "serve"`},
		{"flag before the command", []string{"--db", "x.db", "import", "f.yaml"}, 2, "the command comes first, then its flags: parlabot import --db x.db f.yaml"},
		{"Telegram out of reach", []string{"run", "--db", db, "--token", "1:x", "--api-url", "http://127.0.0.1:9"}, 1, "cannot reach Telegram at http://127.0.0.1:9 (dial tcp 127.0.0.1:9: connect: connection refused); check the network, or --api-url"},
		{"import without file", []string{"import", "--db", db}, 2, "import needs one file"},
		{"import missing file", []string{"import", "--db", db, "nope.yaml"}, 1, "parlabot: read nope.yaml: no such file or directory"},
		{"export without slug", []string{"export", "--db", db}, 2, "export needs --consultation SLUG"},
		{"export unknown format", []string{"export", "--db", db, "--consultation", "x", "--format", "pdf"}, 2, `--format "pdf" is not available`},
		{"export unknown slug", []string{"export", "--db", db, "--consultation", "x"}, 1, `no consultation "x"`},
		{"run without token", []string{"run", "--db", db}, 2, "pass --token or set TELEGRAM_BOT_TOKEN"},
		{"unknown flag", []string{"run", "--tokn", "x"}, 2, "flag provided but not defined: -tokn"},
		{"bad language", []string{"run", "--token", "1:x", "--lang", "de"}, 2, `--lang: language "de" is not supported`},
		{"bad admin id", []string{"run", "--token", "1:x", "--admins", "12,@ana"}, 2, `"@ana" is not a Telegram user id`},
		{"broadcast rate too high", []string{"run", "--token", "1:x", "--broadcast-rate", "100"}, 2, "--broadcast-rate 100: use a rate above 0 and at most 30"},
		{"privacy policy not a web address", []string{"run", "--token", "1:x", "--privacy-url", "congreso.example/privacidad"}, 2,
			`--privacy-url "congreso.example/privacidad": give the full address of the privacy policy, starting with https://`},
		{"sandbox privacy policy not a web address", []string{"sandbox", "--privacy-url", "ftp://x"}, 2, `--privacy-url "ftp://x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parlabot(t, context.Background(), nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestDatabaseHeldByAnotherProcess(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := parlabot(t, context.Background(), nil, "import", "--db", db, "testdata/livestream-2026.yaml")
	if r.code != 1 || !strings.Contains(r.stderr, "is in use by another process") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want one line saying the file is in use", r.code, r.stderr)
	}
}

func TestExportCSVAndXLSX(t *testing.T) {
	dir, db := importedDB(t)
	ctx := context.Background()
	addResponse(t, db, "3f2a", map[string]consultations.Answer{
		"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 4},
		"channels": {Choices: []string{"website", "tv"}}, "comment": {Text: "=HYPERLINK(\"x\")"},
	})
	csvPath := filepath.Join(dir, "out.csv")
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--out", csvPath); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want a header and one response", len(rows))
	}
	row := map[string]string{}
	for i, h := range rows[0] {
		row[h] = rows[1][i]
	}
	for col, want := range map[string]string{
		"participant": "3f2a", "watched": "yes", "satisfaction": "4", "channels_website": "1",
		"channels_tv": "1", "channels_radio": "0", "comment": `'=HYPERLINK("x")`,
	} {
		if row[col] != want {
			t.Errorf("column %s = %q, want %q", col, row[col], want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "livestream-2026-codebook.csv")); err != nil {
		t.Errorf("no codebook beside the CSV: %v", err)
	}

	xlsxPath := filepath.Join(dir, "out.xlsx")
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "xlsx", "--layout", "long", "--lang", "pt", "--out", xlsxPath); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(xlsxPath); err != nil || !bytes.HasPrefix(data, []byte("PK")) {
		t.Errorf("xlsx is not a zip file (err %v)", err)
	}
	if r := parlabot(t, ctx, nil, "export", "--db", db, "--consultation", "livestream-2026", "--format", "csv", "--layout", "tall"); r.code != 2 || !strings.Contains(r.stderr, "--layout \"tall\": use wide or long") {
		t.Errorf("bad layout: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestBadFlagValueIsOneLine checks that a flag the flag package refuses
// gives the one line Run prints, not the flag package's usage dump too, and
// that -h lists the flags on stdout.
func TestBadFlagValueIsOneLine(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"run", "--token", "x", "--retention", "3x"},
		{"export", "--consultation", "s", "--nope"},
		{"loadtest", "--citizens", "many"},
	} {
		r := parlabot(t, ctx, nil, args...)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "Usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, r.code, r.stderr)
		}
	}
	r := parlabot(t, ctx, nil, "export", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "-consultation") || r.stderr != "" {
		t.Errorf("export -h: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestImportRefusesBeforeOpening checks that a bad file is refused before
// the database is opened, so a mistyped --db creates no file.
func TestImportRefusesBeforeOpening(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo.db")
	r := parlabot(t, context.Background(), nil, "import", "--db", db, "testdata/bad.yaml")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("refusing a bad file created the database: %v", err)
	}
}
