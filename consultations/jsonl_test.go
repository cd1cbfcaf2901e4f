package consultations

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestJSONLWriter(t *testing.T) {
	ref := reference(t)
	minus3 := time.FixedZone("", -3*60*60)
	for _, tc := range []struct {
		name string
		r    *Response
		want string
	}{
		{
			name: "completed",
			r: &Response{
				Consultation: "livestream-2026",
				Participant:  "3f2a9c",
				Language:     "pt",
				Started:      time.Date(2026, 12, 3, 10, 15, 0, 0, minus3),
				Completed:    time.Date(2026, 12, 3, 10, 16, 30, 500, minus3),
				Answers: map[string]Answer{
					"comment":      {Text: "Mais <legendas> & \"áudio\"\nmelhor"},
					"channels":     {Choices: []string{"website", "tv"}},
					"satisfaction": {Number: 4},
					"watched":      {Choices: []string{"yes"}},
					"recommend":    {Number: 0},
					"region":       {Choices: []string{"south"}},
				},
			},
			want: `{"consultation":"livestream-2026","wave":"follow-up-2026","participant":"3f2a9c","language":"pt","completed":true,"started":"2026-12-03T13:15:00Z","completed_at":"2026-12-03T13:16:30Z","seconds":90,"answers":{"watched":"yes","satisfaction":4,"recommend":0,"channels":["website","tv"],"region":"south","comment":"Mais <legendas> & \"áudio\"\nmelhor"}}` + "\n",
		},
		{
			name: "not completed",
			r: &Response{
				Participant: "77aa",
				Language:    "es",
				Started:     time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC),
				Answers: map[string]Answer{
					"watched":   {Choices: []string{"no"}},
					"recommend": {Number: 10},
					"unknown":   {Text: "a question no longer in the consultation"},
				},
			},
			want: `{"consultation":"livestream-2026","wave":"follow-up-2026","participant":"77aa","language":"es","completed":false,"started":"2026-12-04T00:00:00Z","answers":{"watched":"no","recommend":10}}` + "\n",
		},
		{
			name: "no answers, no start",
			r:    &Response{Participant: "p", Language: "fr"},
			want: `{"consultation":"livestream-2026","wave":"follow-up-2026","participant":"p","language":"fr","completed":false,"answers":{}}` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := NewJSONLWriter(&buf, ref).Write(tc.r); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestJSONLWriterOmitText checks that free-text answers, which may hold
// personal data, are left out when asked, and nothing else is.
func TestJSONLWriterOmitText(t *testing.T) {
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, reference(t))
	w.OmitText = true
	r := &Response{Participant: "p", Language: "es", Answers: map[string]Answer{
		"comment": {Text: "me llamo Ana, mi teléfono es 555"}, "satisfaction": {Number: 2},
	}}
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.Contains(got, "Ana") || strings.Contains(got, "comment") || !strings.Contains(got, `"satisfaction":2`) {
		t.Errorf("with OmitText got %s", got)
	}
}

// TestJSONLWriterWithoutWave checks that a consultation with no wave has
// no wave key rather than an empty one.
func TestJSONLWriterWithoutWave(t *testing.T) {
	c := *reference(t)
	c.Wave = ""
	var buf bytes.Buffer
	if err := NewJSONLWriter(&buf, &c).Write(&Response{Participant: "p", Language: "es"}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.Contains(got, "wave") {
		t.Errorf("got %s", got)
	}
}

func TestJSONLWriterOtherConsultation(t *testing.T) {
	var buf bytes.Buffer
	err := NewJSONLWriter(&buf, reference(t)).Write(&Response{Consultation: "other", Participant: "p"})
	if got := ErrorCode(err); got != EINVALID {
		t.Errorf("ErrorCode: got %q (%v), want %q", got, err, EINVALID)
	}
	if buf.Len() != 0 {
		t.Errorf("got output %q, want none", buf.String())
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestJSONLWriterError(t *testing.T) {
	err := NewJSONLWriter(failingWriter{}, reference(t)).Write(&Response{Participant: "p"})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("got %v, want %v", err, errDiskFull)
	}
}

// randomString returns text mixing what exports must survive: quotes,
// backslashes, control characters, HTML, line and paragraph separators,
// accents, emoji and, sometimes, bytes that are not UTF-8.
func randomString(r *rand.Rand) string {
	pieces := []string{"a", "ñ", "ção", `"`, `\`, "\n", "\t", "\x00", "\x1f", "<b>", "&", "\u2028", "\u2029", "🗳️", " ", "\xff", "\xc3"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestJSONLWriterParsesBack checks, over many random responses, that every
// line is one JSON object that encoding/json reads back to the same answers.
func TestJSONLWriterParsesBack(t *testing.T) {
	ref := reference(t)
	ref.Questions[5].MaxLength = 0
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, ref)
	var sent []*Response
	for range 500 {
		resp := &Response{Participant: randomString(r), Language: randomString(r), Answers: map[string]Answer{}}
		if r.IntN(2) == 0 {
			resp.Started = time.Unix(r.Int64N(4e9), 0)
			resp.Completed = resp.Started.Add(time.Duration(r.IntN(3600)) * time.Second)
		}
		for _, q := range ref.Questions {
			if r.IntN(4) == 0 {
				continue
			}
			var a Answer
			switch q.Kind {
			case KindSingle:
				a.Choices = []string{q.Options[r.IntN(len(q.Options))].ID}
			case KindMultiple:
				for _, o := range q.Options {
					if r.IntN(2) == 0 {
						a.Choices = append(a.Choices, o.ID)
					}
				}
			case KindSatisfaction, KindScale:
				a.Number = r.IntN(11)
			case KindText:
				a.Text = randomString(r)
			}
			resp.Answers[q.ID] = a
		}
		if err := w.Write(resp); err != nil {
			t.Fatalf("Write: %v", err)
		}
		sent = append(sent, resp)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var got struct {
			Participant string         `json:"participant"`
			Completed   bool           `json:"completed"`
			Started     *time.Time     `json:"started"`
			CompletedAt *time.Time     `json:"completed_at"`
			Answers     map[string]any `json:"answers"`
		}
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", i+1, err, sc.Bytes())
		}
		want := sent[i]
		if utf8.ValidString(want.Participant) && got.Participant != want.Participant {
			t.Errorf("line %d participant: got %q, want %q", i+1, got.Participant, want.Participant)
		}
		if got.Completed != want.IsCompleted() || (got.CompletedAt != nil) != want.IsCompleted() {
			t.Errorf("line %d completed: got %v %v, want %v", i+1, got.Completed, got.CompletedAt, want.IsCompleted())
		}
		if want.IsCompleted() && (!got.Started.Equal(want.Started) || !got.CompletedAt.Equal(want.Completed)) {
			t.Errorf("line %d times: got %v %v, want %v %v", i+1, got.Started, got.CompletedAt, want.Started, want.Completed)
		}
		if len(got.Answers) != len(want.Answers) {
			t.Errorf("line %d: got %d answers, want %d", i+1, len(got.Answers), len(want.Answers))
		}
		for id, a := range want.Answers {
			var w any
			switch ref.Question(id).Kind {
			case KindSingle:
				w = a.Choices[0]
			case KindMultiple:
				l := []any{}
				for _, c := range a.Choices {
					l = append(l, c)
				}
				w = l
			case KindSatisfaction, KindScale:
				w = float64(a.Number)
			case KindText:
				if !utf8.ValidString(a.Text) {
					continue // written with U+FFFD in place of the bad bytes
				}
				w = a.Text
			}
			if !reflect.DeepEqual(got.Answers[id], w) {
				t.Errorf("line %d answer %s: got %#v, want %#v", i+1, id, got.Answers[id], w)
			}
		}
	}
	if i != len(sent) {
		t.Errorf("got %d lines, want %d", i, len(sent))
	}
}

func BenchmarkJSONLWriter(b *testing.B) {
	ref := reference(b)
	r := &Response{
		Participant: "3f2a9c0b", Language: "es",
		Started: time.Now(), Completed: time.Now(),
		Answers: map[string]Answer{
			"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 4}, "recommend": {Number: 9},
			"channels": {Choices: []string{"website", "tv"}}, "region": {Choices: []string{"metro"}},
			"comment": {Text: "Que tengan subtítulos y lengua de señas."},
		},
	}
	w := NewJSONLWriter(discard{}, ref)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestJSONLWriterClockBackwards checks that a response whose finish the
// clock put before its start has no seconds, rather than negative ones.
func TestJSONLWriterClockBackwards(t *testing.T) {
	var buf bytes.Buffer
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	r := &Response{Participant: "p", Language: "es", Started: start, Completed: start.Add(-time.Minute)}
	if err := NewJSONLWriter(&buf, reference(t)).Write(r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "seconds") {
		t.Errorf("got %s, want no seconds", buf.String())
	}
}
