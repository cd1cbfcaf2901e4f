package consultations

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// answersOf builds an answers map from pairs such as "watched=yes",
// "channels=web,tv", "satisfaction=4" (numbers for satisfaction and scale
// questions of c) and "comment=text:..." .
func answersOf(t *testing.T, c *Consultation, pairs ...string) map[string]Answer {
	t.Helper()
	m := map[string]Answer{}
	for _, p := range pairs {
		id, v, ok := strings.Cut(p, "=")
		q := c.Question(id)
		if !ok || q == nil {
			t.Fatalf("bad answer %q", p)
		}
		switch q.Kind {
		case KindSatisfaction, KindScale:
			n := 0
			for _, d := range v {
				n = n*10 + int(d-'0')
			}
			m[id] = Answer{Number: n}
		case KindText:
			m[id] = Answer{Text: v}
		default:
			m[id] = Answer{Choices: strings.Split(v, ",")}
		}
	}
	return m
}

// chain is a consultation whose questions depend on one another in a row:
// b is asked when a is yes, c when b includes x.
func chain() *Consultation {
	yesNo := []Option{{ID: "yes"}, {ID: "no"}}
	return &Consultation{Questions: []Question{
		{ID: "a", Kind: KindSingle, Options: yesNo},
		{ID: "b", Kind: KindMultiple, Options: []Option{{ID: "x"}, {ID: "y"}, {ID: "z"}}, When: &Condition{Question: "a", Is: []string{"yes"}}},
		{ID: "c", Kind: KindText, When: &Condition{Question: "b", Is: []string{"x", "z"}}},
		{ID: "d", Kind: KindScale},
	}}
}

func TestAsked(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name    string
		c       *Consultation
		q       string
		answers []string
		want    bool
	}{
		{"no condition", ref, "recommend", nil, true},
		{"condition not answered yet", ref, "satisfaction", nil, false},
		{"condition met", ref, "satisfaction", []string{"watched=yes"}, true},
		{"condition not met", ref, "satisfaction", []string{"watched=no"}, false},
		{"skipped question meets no condition", ref, "satisfaction", []string{"recommend=9"}, false},
		{"multiple: one of the options", chain(), "c", []string{"a=yes", "b=y,z"}, true},
		{"multiple: none of the options", chain(), "c", []string{"a=yes", "b=y"}, false},
		{"depends on a question no longer asked", chain(), "c", []string{"a=no", "b=x"}, false},
		{"chain met", chain(), "c", []string{"a=yes", "b=x"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Asked(tc.c.Question(tc.q), answersOf(t, tc.c, tc.answers...))
			if got != tc.want {
				t.Errorf("Asked(%s): got %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestAskedCycle(t *testing.T) {
	// Validate refuses this; Asked must still end.
	c := &Consultation{Questions: []Question{
		{ID: "a", Kind: KindSingle, When: &Condition{Question: "b", Is: []string{"x"}}},
		{ID: "b", Kind: KindSingle, When: &Condition{Question: "a", Is: []string{"x"}}},
	}}
	a := map[string]Answer{"a": {Choices: []string{"x"}}, "b": {Choices: []string{"x"}}}
	if c.Asked(&c.Questions[0], a) {
		t.Errorf("Asked in a cycle: got true, want false")
	}
}

func TestNext(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name    string
		after   string
		answers []string
		want    string // "" for nil
	}{
		{"first", "", nil, "watched"},
		{"watched yes", "watched", []string{"watched=yes"}, "satisfaction"},
		{"watched no skips satisfaction", "watched", []string{"watched=no"}, "recommend"},
		{"after satisfaction", "satisfaction", []string{"watched=yes", "satisfaction=4"}, "recommend"},
		{"in the middle", "channels", []string{"watched=no"}, "region"},
		{"last", "comment", []string{"watched=no"}, ""},
		{"unknown question", "nope", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if q := ref.Next(tc.after, answersOf(t, ref, tc.answers...)); q != nil {
				got = q.ID
			}
			if got != tc.want {
				t.Errorf("Next(%q): got %q, want %q", tc.after, got, tc.want)
			}
		})
	}
}

// TestWalk goes through the reference consultation as a citizen would.
func TestWalk(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name    string
		answers []string
		want    string
	}{
		{"watched", []string{"watched=yes", "satisfaction=4", "recommend=9", "channels=tv", "region=north"}, "watched satisfaction recommend channels region comment"},
		{"not watched", []string{"watched=no", "recommend=2", "channels=tv", "region=north"}, "watched recommend channels region comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := answersOf(t, ref, tc.answers...)
			var seen []string
			for q := ref.Next("", a); q != nil; q = ref.Next(q.ID, a) {
				seen = append(seen, q.ID)
			}
			if got := strings.Join(seen, " "); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name           string
		id             string
		answers        []string
		wantN, wantTot int
	}{
		{"start, watched unknown", "watched", nil, 1, 6}, // satisfaction may still be asked
		{"watched yes", "satisfaction", []string{"watched=yes"}, 2, 6},
		{"watched yes, later", "recommend", []string{"watched=yes", "satisfaction=5"}, 3, 6},
		{"watched no", "recommend", []string{"watched=no"}, 2, 5},
		{"watched no, last", "comment", []string{"watched=no", "recommend=5"}, 5, 5},
		{"watched yes, last", "comment", []string{"watched=yes"}, 6, 6},
		{"shown though not asked", "satisfaction", []string{"watched=no"}, 2, 6},
		{"unknown question", "nope", []string{"watched=yes"}, 0, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, total := ref.Progress(tc.id, answersOf(t, ref, tc.answers...))
			if n != tc.wantN || total != tc.wantTot {
				t.Errorf("Progress(%q): got %d of %d, want %d of %d", tc.id, n, total, tc.wantN, tc.wantTot)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ref := reference(t)
	ref.Questions[5].MaxLength = 5
	long := &Question{ID: "long", Kind: KindText} // MaxLength 0: DefaultMaxLength
	for _, tc := range []struct {
		name    string
		q       *Question
		a       Answer
		wantErr string // "" for valid; else a part of the message
	}{
		{"single", ref.Question("watched"), Answer{Choices: []string{"no"}}, ""},
		{"single unknown option", ref.Question("watched"), Answer{Choices: []string{"maybe"}}, `question "watched" has no option "maybe"`},
		{"single none", ref.Question("watched"), Answer{}, `question "watched" takes exactly one option, got 0`},
		{"single two", ref.Question("watched"), Answer{Choices: []string{"yes", "no"}}, "takes exactly one option, got 2"},
		{"multiple", ref.Question("channels"), Answer{Choices: []string{"tv", "website"}}, ""},
		{"multiple one", ref.Question("channels"), Answer{Choices: []string{"radio"}}, ""},
		{"multiple none", ref.Question("channels"), Answer{Choices: []string{}}, `question "channels" needs at least one option`},
		{"multiple above max", ref.Question("channels"), Answer{Choices: []string{"tv", "website", "radio"}}, "takes at most 2 options, got 3"},
		{"multiple twice", ref.Question("channels"), Answer{Choices: []string{"tv", "tv"}}, `option "tv" of question "channels" is chosen twice`},
		{"multiple unknown", ref.Question("channels"), Answer{Choices: []string{"tv", "fax"}}, `has no option "fax"`},
		{"multiple without max", &Question{ID: "m", Kind: KindMultiple, Options: []Option{{ID: "a"}, {ID: "b"}, {ID: "c"}}}, Answer{Choices: []string{"c", "a", "b"}}, ""},
		{"satisfaction 1", ref.Question("satisfaction"), Answer{Number: 1}, ""},
		{"satisfaction 5", ref.Question("satisfaction"), Answer{Number: 5}, ""},
		{"satisfaction 0", ref.Question("satisfaction"), Answer{Number: 0}, "takes a number from 1 to 5, got 0"},
		{"satisfaction 6", ref.Question("satisfaction"), Answer{Number: 6}, "takes a number from 1 to 5, got 6"},
		{"scale 0", ref.Question("recommend"), Answer{Number: 0}, ""},
		{"scale 10", ref.Question("recommend"), Answer{Number: 10}, ""},
		{"scale -1", ref.Question("recommend"), Answer{Number: -1}, "takes a number from 0 to 10, got -1"},
		{"scale 11", ref.Question("recommend"), Answer{Number: 11}, "takes a number from 0 to 10, got 11"},
		{"text", ref.Question("comment"), Answer{Text: "ok"}, ""},
		{"text of 5 characters in more bytes", ref.Question("comment"), Answer{Text: "ñáéíó"}, ""},
		{"text too long", ref.Question("comment"), Answer{Text: "ñáéíóú"}, `the answer to question "comment" has 6 characters; the most is 5`},
		{"text empty", ref.Question("comment"), Answer{}, `question "comment" needs a text answer`},
		{"text blank", ref.Question("comment"), Answer{Text: " \n\t"}, "needs a text answer"},
		{"text default limit", long, Answer{Text: strings.Repeat("é", DefaultMaxLength)}, ""},
		{"text above default limit", long, Answer{Text: strings.Repeat("é", DefaultMaxLength+1)}, "has 1001 characters; the most is 1000"},
		{"unknown kind", &Question{ID: "s", Kind: "slider"}, Answer{Number: 1}, `question "s" has unknown kind "slider"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Check(tc.a)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("got no error, want %q", tc.wantErr)
			case tc.wantErr != "":
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %q, want it to contain %q", err, tc.wantErr)
				}
				if got := ErrorCode(err); got != EINVALID {
					t.Errorf("ErrorCode: got %q, want %q", got, EINVALID)
				}
			}
		})
	}
}

func TestPrune(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name    string
		c       *Consultation
		answers []string
		want    []string // question ids left, sorted
	}{
		{"changed watched to no", ref, []string{"watched=no", "satisfaction=4", "recommend=8"}, []string{"recommend", "watched"}},
		{"all still asked", ref, []string{"watched=yes", "satisfaction=4", "comment=good"}, []string{"comment", "satisfaction", "watched"}},
		{"nothing", ref, nil, []string{}},
		{"a chain falls together", chain(), []string{"a=no", "b=x", "c=hi", "d=3"}, []string{"a", "d"}},
		{"multiple changed", chain(), []string{"a=yes", "b=y", "c=hi"}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Response{Answers: answersOf(t, tc.c, tc.answers...)}
			r.Prune(tc.c)
			got := slices.Sorted(maps.Keys(r.Answers))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("answers to unknown questions are kept", func(t *testing.T) {
		r := &Response{Answers: map[string]Answer{"gone": {Number: 3}}}
		r.Prune(ref)
		if _, ok := r.Answers["gone"]; !ok {
			t.Errorf("answer to a question the consultation does not have was removed")
		}
	})
	t.Run("nil answers", func(t *testing.T) {
		r := &Response{}
		r.Prune(ref) // must not panic
	})
}

func TestSettleImported(t *testing.T) {
	opens := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	closes := time.Date(2027, 2, 1, 3, 0, 0, 0, time.UTC)
	before, during, after := opens.Add(-time.Hour), opens.Add(time.Hour), closes.Add(time.Hour)
	tests := []struct {
		name          string
		stored        Status // "" for a new consultation
		opens, closes time.Time
		now           time.Time
		want          Status
	}{
		{"new, before its dates", "", opens, closes, before, StatusDraft},
		{"new, within its dates", "", opens, closes, during, StatusOpen},
		{"new, after its dates", "", opens, closes, after, StatusClosed},
		{"new, no dates", "", time.Time{}, time.Time{}, during, StatusDraft},
		{"opened by hand, no dates, updated", StatusOpen, time.Time{}, time.Time{}, during, StatusOpen},
		{"closed by hand, updated within its dates", StatusClosed, opens, closes, during, StatusClosed},
		{"open, updated with closes in the past", StatusOpen, opens, before, during, StatusClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Consultation{Opens: tt.opens, Closes: tt.closes}
			var stored *Consultation
			if tt.stored != "" {
				stored = &Consultation{Status: tt.stored}
			}
			c.SettleImported(stored, tt.now)
			if c.Status != tt.want {
				t.Errorf("status = %s, want %s", c.Status, tt.want)
			}
		})
	}
}
