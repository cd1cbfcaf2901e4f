package consultations

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	// Question indexes in the reference: 0 watched (single), 1 satisfaction
	// (when watched is yes), 2 recommend (scale), 3 channels (multiple, max
	// 2), 4 region (single), 5 comment (text).
	for _, tc := range []struct {
		name     string
		change   func(c *Consultation)
		wantPath string // "" for no problems
		wantMsg  string // a part of the message
	}{
		{"reference is valid", func(c *Consultation) {}, "", ""},
		{"no intro is fine", func(c *Consultation) { c.Intro = nil }, "", ""},
		{"no dates is fine", func(c *Consultation) { c.Opens, c.Closes = time.Time{}, time.Time{} }, "", ""},
		{"opens only is fine", func(c *Consultation) { c.Closes = time.Time{} }, "", ""},
		{"max 0 on multiple is fine", func(c *Consultation) { c.Questions[3].Max = 0 }, "", ""},
		{"max_length 0 on text means the default", func(c *Consultation) { c.Questions[5].MaxLength = 0 }, "", ""},
		{"mean on a scale", func(c *Consultation) {
			c.Commitment.Indicators[0] = Indicator{ID: "x", Question: "recommend", Measure: MeasureMean, Baseline: 6.5, Target: 10}
		}, "", ""},
		{"nps on a scale", func(c *Consultation) {
			c.Commitment.Indicators[0] = Indicator{ID: "x", Question: "recommend", Measure: MeasureNPS, Baseline: -0.2, Target: 0.1}
		}, "", ""},
		{"share of a multiple option", func(c *Consultation) {
			c.Commitment.Indicators[0] = Indicator{ID: "x", Question: "channels", Measure: MeasureShare, Option: "tv", Baseline: 0, Target: 1}
		}, "", ""},
		{"condition on a multiple question", func(c *Consultation) {
			c.Questions[4].When = &Condition{Question: "channels", Is: []string{"tv", "radio"}}
		}, "", ""},

		{"slug missing", func(c *Consultation) { c.Slug = "" }, "slug", "slug is required; add one such as livestream-2026: it is used in t.me links"},
		{"slug with a space", func(c *Consultation) { c.Slug = "live 2026" }, "slug", `slug "live 2026" may only have letters, digits, - and _ (at most 64): it is used in t.me links`},
		{"slug too long", func(c *Consultation) { c.Slug = strings.Repeat("a", 65) }, "slug", "at most 64"},
		{"default language missing", func(c *Consultation) { c.DefaultLanguage = "" }, "default_language", "default_language is required; use es, pt, en or fr"},
		{"default language unknown", func(c *Consultation) { c.DefaultLanguage = "de" }, "default_language", `unknown language "de"; use es, pt, en or fr`},
		{"default language without texts", func(c *Consultation) { c.DefaultLanguage = "fr" }, "title.fr", "missing text in the default language fr; add title.fr"},
		{"title missing", func(c *Consultation) { c.Title = nil }, "title.es", "missing text in the default language es; add title.es"},
		{"title blank", func(c *Consultation) { c.Title["es"] = "  " }, "title.es", "missing text in the default language es"},
		{"title in an unknown language", func(c *Consultation) { c.Title["de"] = "Titel" }, "title.de", `unknown language "de"; use es, pt, en or fr`},
		{"intro without default language", func(c *Consultation) { delete(c.Intro, "es") }, "intro.es", "missing text in the default language es; add intro.es"},
		{"commitment title", func(c *Consultation) { delete(c.Commitment.Title, "es") }, "commitment.title.es", "add commitment.title.es"},
		{"question text", func(c *Consultation) { delete(c.Questions[2].Text, "es") }, "questions[2].text.es", "add questions[2].text.es"},
		{"option text", func(c *Consultation) { c.Questions[3].Options[1].Text = Text{"pt": "TV"} }, "questions[3].options[1].text.es", "add questions[3].options[1].text.es"},
		{"option text language", func(c *Consultation) { c.Questions[3].Options[1].Text["xx"] = "?" }, "questions[3].options[1].text.xx", `unknown language "xx"`},
		{"closes before opens", func(c *Consultation) { c.Closes = c.Opens.Add(-time.Hour) }, "closes", "closes (2026-12-01 08:00 -03:00) must be after opens (2026-12-01 09:00 -03:00)"},
		{"closes at opens", func(c *Consultation) { c.Closes = c.Opens }, "closes", "must be after opens"},

		{"commitment id missing", func(c *Consultation) { c.Commitment.ID = "" }, "commitment.id", "commitment.id is required"},
		{"pillar missing", func(c *Consultation) { c.Commitment.Pillar = "" }, "commitment.pillar", "commitment.pillar is required; use transparency, accountability, participation or ethics"},
		{"pillar unknown", func(c *Consultation) { c.Commitment.Pillar = "openness" }, "commitment.pillar", `unknown pillar "openness"; use transparency, accountability, participation or ethics`},
		{"indicator id missing", func(c *Consultation) { c.Commitment.Indicators[1].ID = "" }, "commitment.indicators[1].id", "id is required"},
		{"indicator id twice", func(c *Consultation) { c.Commitment.Indicators[1].ID = "satisfied-viewers" }, "commitment.indicators[1].id", `indicator id "satisfied-viewers" is already used by commitment.indicators[0]`},
		{"indicator question missing", func(c *Consultation) { c.Commitment.Indicators[0].Question = "" }, "commitment.indicators[0].question", "question is required"},
		{"indicator question unknown", func(c *Consultation) { c.Commitment.Indicators[0].Question = "happy" }, "commitment.indicators[0].question", `no question "happy" in this consultation; use one of watched, satisfaction, recommend, channels, region or comment`},
		{"measure missing", func(c *Consultation) { c.Commitment.Indicators[0].Measure = "" }, "commitment.indicators[0].measure", "measure is required; use top2box, share, mean or nps"},
		{"measure unknown", func(c *Consultation) { c.Commitment.Indicators[0].Measure = "median" }, "commitment.indicators[0].measure", `unknown measure "median"; use top2box, share, mean or nps`},
		{"top2box on a scale", func(c *Consultation) { c.Commitment.Indicators[0].Question = "recommend" }, "commitment.indicators[0].measure", `top2box needs a satisfaction question, and "recommend" is a scale question`},
		{"nps on satisfaction", func(c *Consultation) { c.Commitment.Indicators[0].Measure = MeasureNPS }, "commitment.indicators[0].measure", `nps needs a scale question, and "satisfaction" is a satisfaction question`},
		{"mean on single", func(c *Consultation) {
			c.Commitment.Indicators[1].Measure, c.Commitment.Indicators[1].Option = MeasureMean, ""
		}, "commitment.indicators[1].measure", `mean needs a satisfaction or scale question, and "watched" is a single question`},
		{"share on text", func(c *Consultation) { c.Commitment.Indicators[1].Question = "comment" }, "commitment.indicators[1].measure", `share needs a single or multiple question, and "comment" is a text question`},
		{"share without option", func(c *Consultation) { c.Commitment.Indicators[1].Option = "" }, "commitment.indicators[1].option", `option is required with measure share; use one of the options of "watched": yes or no`},
		{"share of an unknown option", func(c *Consultation) { c.Commitment.Indicators[1].Option = "maybe" }, "commitment.indicators[1].option", `no option "maybe" in question "watched"; use yes or no`},
		{"option without share", func(c *Consultation) { c.Commitment.Indicators[0].Option = "yes" }, "commitment.indicators[0].option", "option is only used with measure share; remove it"},
		{"top2box baseline as a percentage", func(c *Consultation) { c.Commitment.Indicators[0].Baseline = 42 }, "commitment.indicators[0].baseline", "baseline 42 is out of range for top2box: write a share between 0 and 1 (0.42 for 42%)"},
		{"share target negative", func(c *Consultation) { c.Commitment.Indicators[1].Target = -0.1 }, "commitment.indicators[1].target", "target -0.1 is out of range for share"},
		{"target not a number", func(c *Consultation) { c.Commitment.Indicators[1].Target = math.NaN() }, "commitment.indicators[1].target", "target NaN is out of range"},
		{"target infinite", func(c *Consultation) { c.Commitment.Indicators[1].Target = math.Inf(1) }, "commitment.indicators[1].target", "target +Inf is out of range"},
		{"mean of satisfaction off the scale", func(c *Consultation) {
			c.Commitment.Indicators[0].Measure, c.Commitment.Indicators[0].Baseline, c.Commitment.Indicators[0].Target = MeasureMean, 3.5, 6
		}, "commitment.indicators[0].target", "target 6 is out of range for mean: write a mean on the 1-5 satisfaction scale"},
		{"mean of scale off the scale", func(c *Consultation) {
			c.Commitment.Indicators[0] = Indicator{ID: "x", Question: "recommend", Measure: MeasureMean, Baseline: 11, Target: 8}
		}, "commitment.indicators[0].baseline", "baseline 11 is out of range for mean: write a mean on the 0-10 scale"},
		{"nps out of range", func(c *Consultation) {
			c.Commitment.Indicators[0] = Indicator{ID: "x", Question: "recommend", Measure: MeasureNPS, Baseline: -0.2, Target: 25}
		}, "commitment.indicators[0].target", "target 25 is out of range for nps: write a share between -1 and 1"},

		{"no questions", func(c *Consultation) { c.Questions = nil; c.Commitment.Indicators = nil }, "questions", "at least one question is needed"},
		{"question id missing", func(c *Consultation) { c.Questions[2].ID = "" }, "questions[2].id", "id is required"},
		{"question id with a dot", func(c *Consultation) { c.Questions[2].ID = "q.2" }, "questions[2].id", `question id "q.2" may only have letters, digits, - and _ (at most 32): it goes into Telegram button data`},
		{"question id too long", func(c *Consultation) { c.Questions[2].ID = strings.Repeat("q", 33) }, "questions[2].id", "at most 32"},
		{"question id twice", func(c *Consultation) { c.Questions[4].ID = "channels" }, "questions[4].id", `question id "channels" is already used by questions[3]; give each question its own id`},
		{"kind missing", func(c *Consultation) { c.Questions[2].Kind = "" }, "questions[2].kind", "kind is required; use single, multiple, satisfaction, scale or text"},
		{"kind unknown", func(c *Consultation) { c.Questions[2].Kind = "slider" }, "questions[2].kind", `unknown kind "slider"; use single, multiple, satisfaction, scale or text`},
		{"single with one option", func(c *Consultation) { c.Questions[4].Options = c.Questions[4].Options[:1] }, "questions[4].options", "a single question needs at least 2 options"},
		{"multiple without options", func(c *Consultation) { c.Questions[3].Options, c.Questions[3].Max = nil, 0 }, "questions[3].options", "a multiple question needs at least 2 options"},
		{"scale with options", func(c *Consultation) { c.Questions[2].Options = c.Questions[0].Options }, "questions[2].options", "a scale question has no options; remove them, or make it single or multiple"},
		{"option id missing", func(c *Consultation) { c.Questions[4].Options[1].ID = "" }, "questions[4].options[1].id", "id is required"},
		{"option id with a space", func(c *Consultation) { c.Questions[4].Options[1].ID = "the centre" }, "questions[4].options[1].id", `option id "the centre" may only have letters, digits, - and _ (at most 32)`},
		{"option id twice", func(c *Consultation) { c.Questions[4].Options[3].ID = "north" }, "questions[4].options[3].id", `option id "north" is already used by questions[4].options[0]`},
		{"max on single", func(c *Consultation) { c.Questions[4].Max = 1 }, "questions[4].max", "max is only for multiple questions; remove it"},
		{"max above options", func(c *Consultation) { c.Questions[3].Max = 5 }, "questions[3].max", "max must be between 1 and the number of options (4); remove it to allow every option"},
		{"max negative", func(c *Consultation) { c.Questions[3].Max = -1 }, "questions[3].max", "max must be between 1 and the number of options (4)"},
		{"max_length on scale", func(c *Consultation) { c.Questions[2].MaxLength = 100 }, "questions[2].max_length", "max_length is only for text questions; remove it"},
		{"max_length too big", func(c *Consultation) { c.Questions[5].MaxLength = 4001 }, "questions[5].max_length", "max_length must be between 1 and 4000 characters"},
		{"max_length negative", func(c *Consultation) { c.Questions[5].MaxLength = -5 }, "questions[5].max_length", "max_length must be between 1 and 4000 characters"},
		{"when without question", func(c *Consultation) { c.Questions[1].When.Question = "" }, "questions[1].when.question", "question is required; name an earlier single or multiple question"},
		{"when on an unknown question", func(c *Consultation) { c.Questions[1].When.Question = "seen" }, "questions[1].when.question", `no question "seen" in this consultation; name an earlier single or multiple question`},
		{"when on itself", func(c *Consultation) { c.Questions[1].When.Question = "satisfaction" }, "questions[1].when.question", "a question cannot depend on its own answer"},
		{"when on a later question", func(c *Consultation) { c.Questions[1].When = &Condition{Question: "region", Is: []string{"north"}} }, "questions[1].when.question", `question "region" comes later (questions[4]); a question may only depend on questions asked before it`},
		{"when on a scale", func(c *Consultation) { c.Questions[4].When = &Condition{Question: "recommend", Is: []string{"10"}} }, "questions[4].when.question", `question "recommend" is a scale question; a condition needs a single or multiple question`},
		{"when without is", func(c *Consultation) { c.Questions[1].When.Is = nil }, "questions[1].when.is", `is is required; list the options of "watched" that lead to this question: yes or no`},
		{"when on an unknown option", func(c *Consultation) { c.Questions[1].When.Is = []string{"yes", "maybe"} }, "questions[1].when.is[1]", `no option "maybe" in question "watched"; use yes or no`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := reference(t)
			tc.change(c)
			got := c.Validate()
			if tc.wantPath == "" {
				if got != nil {
					t.Fatalf("got problems %v, want none", got)
				}
				return
			}
			for _, p := range got {
				if p.Path == tc.wantPath && strings.Contains(p.Message, tc.wantMsg) {
					if p.Line != 0 {
						t.Errorf("got line %d from Validate, want 0", p.Line)
					}
					return
				}
			}
			t.Errorf("got problems %v\nwant %s: ...%s...", got, tc.wantPath, tc.wantMsg)
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	c := &Consultation{Questions: []Question{{}, {ID: "b", Kind: KindSingle}}}
	got := c.Validate()
	want := []string{
		"slug: slug is required; add one such as livestream-2026: it is used in t.me links to the consultation",
		"default_language: default_language is required; use es, pt, en or fr",
		"commitment.id: commitment.id is required; use the commitment's code in the action plan, such as cl-2026-07",
		"commitment.pillar: commitment.pillar is required; use transparency, accountability, participation or ethics",
		"questions[0].id: id is required; give the question a short id such as watched (it is stored with every answer)",
		"questions[0].kind: kind is required; use single, multiple, satisfaction, scale or text",
		"questions[1].options: a single question needs at least 2 options; add them under options",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
