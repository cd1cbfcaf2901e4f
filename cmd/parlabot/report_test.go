package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// reportDB is a database with the reference consultation and a dozen
// responses: 8 watched (6 of them satisfied with 4 or 5), 4 did not.
func reportDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "p.db")
	r := parlabot(t, context.Background(), nil, "import", "--db", db, "../../consultations/demo/livestream-2026.yaml")
	if r.code != 0 {
		t.Fatalf("import: exit %d, %s", r.code, r.stderr)
	}
	sat := []int{5, 4, 4, 5, 3, 4, 2, 4}
	regions := []string{"metro", "metro", "metro", "metro", "metro", "metro", "south", "north", "metro", "south", "centre", "metro"}
	comments := []string{"Mejor audio en las sesiones", "Más cámaras y mejor audio", "", "Subtítulos en las sesiones"}
	for i := 0; i < 12; i++ {
		a := map[string]consultations.Answer{
			"recommend": {Number: i % 11},
			"region":    {Choices: []string{regions[i]}},
			"channels":  {Choices: []string{"website", "tv"}[:1+i%2]},
		}
		if i < len(sat) {
			a["watched"] = consultations.Answer{Choices: []string{"yes"}}
			a["satisfaction"] = consultations.Answer{Number: sat[i]}
		} else {
			a["watched"] = consultations.Answer{Choices: []string{"no"}}
		}
		if c := comments[i%len(comments)]; c != "" {
			a["comment"] = consultations.Answer{Text: c}
		}
		addResponse(t, db, fmt.Sprintf("p%02d", i), a)
	}
	return db
}

func TestReportFormatsAgree(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	run := func(args ...string) string {
		t.Helper()
		r := parlabot(t, ctx, nil, append([]string{"report", "--db", db, "--consultation", "livestream-2026"}, args...)...)
		if r.code != 0 {
			t.Fatalf("report %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		return r.stdout
	}
	text, md, js := run(), run("--format", "md"), run("--format", "json")

	var rep consultations.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, js)
	}
	var sat *consultations.QuestionStats
	for i := range rep.Questions {
		if rep.Questions[i].ID == "satisfaction" {
			sat = &rep.Questions[i]
		}
	}
	if sat == nil || sat.Summary == nil || sat.N != 8 || sat.Top2Box == nil {
		t.Fatalf("json satisfaction = %+v, want n 8 with a top-2 box", sat)
	}
	if got := sat.Top2Box.Value; got != 0.75 {
		t.Errorf("json top-2 box = %v, want 0.75 (6 of 8)", got)
	}
	if rep.Participation.Started != 12 || rep.Participation.Completed != 12 {
		t.Errorf("json participation = %d started, %d completed; want 12, 12", rep.Participation.Started, rep.Participation.Completed)
	}
	for _, out := range []struct{ name, s string }{{"text", text}, {"md", md}} {
		for _, want := range []string{
			"Evalúe la transmisión de las sesiones del Congreso",
			"Indicador principal: satisfied-viewers",
			"75,0 %",    // top-2 box: 6 of 8
			"42,0 %",    // baseline
			"60,0 %",    // target
			"n = 8",     // the satisfaction question's respondents
			"Iniciadas", // participation
			"Región Metropolitana",
			"<5", // the north and centre groups have one person each
		} {
			if !strings.Contains(out.s, want) {
				t.Errorf("%s lacks %q:\n%s", out.name, want, out.s)
			}
		}
	}
	if !strings.Contains(md, "## Participación") || !strings.Contains(md, "|---") {
		t.Errorf("md has no headings or tables:\n%s", md)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("text:\n%s\nmd:\n%s", text, md)
	}
}

func TestReportInPortuguese(t *testing.T) {
	db := reportDB(t)
	r := parlabot(t, context.Background(), map[string]string{"PARLABOT_LANG": "pt"},
		"report", "--db", db, "--consultation", "livestream-2026")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Relatório: Avalie a transmissão", "75,0%", "Linha de base", "Satisfeitos (4-5)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestReportBadUsage(t *testing.T) {
	db := reportDB(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no slug", []string{}, 2, "report needs --consultation SLUG"},
		{"bad format", []string{"--consultation", "livestream-2026", "--format", "pdf"}, 2, `--format "pdf" is not available; use --format text, md or json`},
		{"bad language", []string{"--consultation", "livestream-2026", "--lang", "de"}, 2, `--lang: language "de" is not supported`},
		{"unknown slug", []string{"--consultation", "nope"}, 1, `parlabot: no consultation "nope" in ` + db},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parlabot(t, context.Background(), nil, append([]string{"report", "--db", db}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}
