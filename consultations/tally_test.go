package consultations

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// tallyEpoch is when the test responses start.
var tallyEpoch = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// reply is a response to the reference consultation in lang, completed
// secs seconds after it started (unfinished when secs < 0), with answers
// given as question id, value pairs: an int is a number, a string one
// option, a []string several, an Answer itself.
func reply(lang string, secs int, pairs ...any) *Response {
	r := &Response{Consultation: "livestream-2026", Language: lang, Started: tallyEpoch, Answers: map[string]Answer{}}
	if secs >= 0 {
		r.Completed = tallyEpoch.Add(time.Duration(secs) * time.Second)
	}
	for i := 0; i < len(pairs); i += 2 {
		id := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case int:
			r.Answers[id] = Answer{Number: v}
		case string:
			r.Answers[id] = Answer{Choices: []string{v}}
		case []string:
			r.Answers[id] = Answer{Choices: v}
		case Answer:
			r.Answers[id] = v
		default:
			panic(fmt.Sprintf("reply: answer %v of type %T", v, v))
		}
	}
	return r
}

// tallied returns c's tally of responses rs, which are taken as c's own
// when they are to the reference consultation.
func tallied(c *Consultation, rs ...*Response) *Tally {
	t := NewTally(c)
	for _, r := range rs {
		if r != nil && r.Consultation == "livestream-2026" {
			own := *r
			own.Consultation = c.Slug
			r = &own
		}
		t.Add(r, +1)
	}
	return t
}

// questionStats returns the report's statistics of question id.
func questionStats(t *testing.T, rep *Report, id string) QuestionStats {
	t.Helper()
	for _, q := range rep.Questions {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("the report has no question %q", id)
	return QuestionStats{}
}

func checkEstimate(t *testing.T, name string, got *Estimate, want Estimate) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %v", name, want)
		return
	}
	if !near(got.Value, want.Value, 1e-4) || !near(got.Low, want.Low, 1e-4) || !near(got.High, want.High, 1e-4) {
		t.Errorf("%s = %v, want %v", name, *got, want)
	}
}

func counts(d []Share) []int {
	out := make([]int, len(d))
	for i, s := range d {
		out[i] = s.Count
	}
	return out
}

func TestReportSatisfaction(t *testing.T) {
	c := reference(t)
	var rs []*Response
	for _, v := range []int{5, 4, 4, 3, 1} {
		rs = append(rs, reply("es", 60, "watched", "yes", "satisfaction", v))
	}
	s := questionStats(t, BuildReport(c, tallied(c, rs...), nil, tallyEpoch), "satisfaction")
	if s.N != 5 {
		t.Errorf("n = %d, want 5", s.N)
	}
	if got, want := counts(s.Distribution), []int{1, 0, 1, 2, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("counts of 1..5 = %v, want %v", got, want)
	}
	// mean 3.4, t(0.975, 4) = 2.776445, sd sqrt(2.3): 3.4 - 2.776445*sqrt(2.3/5) = 1.5169; the top is cut at 5.
	checkEstimate(t, "mean", s.Mean, Estimate{3.4, 1.5169, 5})
	if s.SD == nil || !near(*s.SD, 1.516575, 1e-6) {
		t.Errorf("sd = %v, want sqrt(2.3) = 1.516575", s.SD)
	}
	checkEstimate(t, "top2box", s.Top2Box, Estimate{0.6, 0.2307, 0.8824})
	checkEstimate(t, "bottom2box", s.Bottom2Box, Estimate{0.2, 0.0362, 0.6245})
	if s.NPS != nil {
		t.Errorf("nps = %v on a satisfaction question, want none", s.NPS)
	}
}

func TestReportScale(t *testing.T) {
	c := reference(t)
	var rs []*Response
	for _, v := range []int{10, 9, 8, 7, 6, 0} {
		rs = append(rs, reply("es", 60, "watched", "no", "recommend", v))
	}
	s := questionStats(t, BuildReport(c, tallied(c, rs...), nil, tallyEpoch), "recommend")
	// (2 promoters - 2 detractors) / 6 = 0; variance (2/6 + 2/6 - 0) / 6; 1.96 * 1/3 = 0.6533.
	checkEstimate(t, "nps", s.NPS, Estimate{0, -0.6533, 0.6533})
	// mean 40/6; sd sqrt(38/3) = 3.5590; t(0.975, 5) = 2.570582; the top is cut at 10.
	half := 2.570582 * math.Sqrt(38.0/3) / math.Sqrt(6)
	checkEstimate(t, "mean", s.Mean, Estimate{40.0 / 6, 40.0/6 - half, 10})
	if got, want := counts(s.Distribution), []int{1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("counts of 0..10 = %v, want %v", got, want)
	}
}

func TestReportMultipleSharesArePerRespondent(t *testing.T) {
	c := reference(t)
	rep := BuildReport(c, tallied(c,
		reply("es", 60, "channels", []string{"website", "tv"}),
		reply("es", 60, "channels", []string{"website"}),
		reply("es", 60, "channels", []string{"tv", "social"}),
		reply("es", 60, "channels", []string{"radio", "radio", "fax"}), // a repeat and an unknown option count once and not at all
	), nil, tallyEpoch)
	s := questionStats(t, rep, "channels")
	if s.N != 4 {
		t.Errorf("n = %d, want 4 respondents", s.N)
	}
	want := []Share{
		{Option: "website", Count: 2, Share: 0.5},
		{Option: "tv", Count: 2, Share: 0.5},
		{Option: "social", Count: 1, Share: 0.25},
		{Option: "radio", Count: 1, Share: 0.25},
	}
	for i, w := range want {
		got := s.Distribution[i]
		if got.Option != w.Option || got.Count != w.Count || got.Share != w.Share {
			t.Errorf("distribution[%d] = %s %d %v, want %s %d %v", i, got.Option, got.Count, got.Share, w.Option, w.Count, w.Share)
		}
	}
}

func TestTallyIgnoresWhatTheConsultationDoesNotHave(t *testing.T) {
	c := reference(t)
	rep := BuildReport(c, tallied(c,
		reply("es", 60, "watched", "maybe", "satisfaction", 7, "recommend", -1, "age", 30),
		reply("es", 60, "watched", []string{"fax", "yes", "no"}, "comment", Answer{Text: "  "}),
		reply("es", 60, "watched", []string{}, "recommend", 11),
		&Response{Consultation: "another", Answers: map[string]Answer{"watched": {Choices: []string{"yes"}}}},
		nil,
	), nil, tallyEpoch)
	if got := rep.Participation.Started; got != 3 {
		t.Errorf("started = %d, want 3 (another consultation's response and nil are not counted)", got)
	}
	w := questionStats(t, rep, "watched")
	if w.N != 1 || counts(w.Distribution)[0] != 1 {
		t.Errorf("watched: n %d, counts %v; want 1 respondent, for yes (the first known option)", w.N, counts(w.Distribution))
	}
	for _, id := range []string{"satisfaction", "recommend", "comment"} {
		if s := questionStats(t, rep, id); s.N != 0 {
			t.Errorf("%s: n = %d, want 0: no answer was usable", id, s.N)
		}
	}
	if s := questionStats(t, rep, "satisfaction"); s.Mean != nil || s.Top2Box != nil || s.SD != nil {
		t.Errorf("satisfaction without answers has mean %v, top2box %v, sd %v; want none", s.Mean, s.Top2Box, s.SD)
	}
}

func TestParticipation(t *testing.T) {
	c := reference(t)
	full := func(lang string, secs int) *Response {
		return reply(lang, secs, "watched", "yes", "satisfaction", 4, "recommend", 8,
			"channels", []string{"tv"}, "region", "north")
	}
	tl := tallied(c,
		full("es", 60),
		full("es", 120),
		full("pt", 300),
		reply("pt", -1),                   // saw the first question and left
		reply("", -1, "watched", "no"),    // left at recommend: satisfaction is not asked
		reply("fr", -1, "watched", "yes"), // left at satisfaction
		reply("en", -1, "recommend", 3, "watched", "no", "channels", []string{"tv"}, "region", "south", "comment", Answer{Text: "ok"}),
	)
	rep := BuildReport(c, tl, nil, tallyEpoch)
	p := rep.Participation
	if p.Started != 7 || p.Completed != 3 || !near(p.CompletionRate, 3.0/7, 1e-12) {
		t.Errorf("started %d, completed %d, rate %v; want 7, 3, 3/7", p.Started, p.Completed, p.CompletionRate)
	}
	if p.MedianSeconds == nil || *p.MedianSeconds != 120 || p.MedianOverLimit {
		t.Errorf("median = %v (over limit %v), want 120", p.MedianSeconds, p.MedianOverLimit)
	}
	var answered, stopped []int
	for _, q := range p.Questions {
		answered, stopped = append(answered, q.Answered), append(stopped, q.Stopped)
	}
	// watched, satisfaction, recommend, channels, region, comment
	if want := []int{6, 3, 4, 4, 4, 1}; !reflect.DeepEqual(answered, want) {
		t.Errorf("answered = %v, want %v", answered, want)
	}
	// The last one answered everything but did not finish: it counts at its last question.
	if want := []int{1, 1, 1, 0, 0, 1}; !reflect.DeepEqual(stopped, want) {
		t.Errorf("stopped = %v, want %v", stopped, want)
	}
	if got := p.Questions[0].AnsweredShare; !near(got, 6.0/7, 1e-12) {
		t.Errorf("answered share of watched = %v, want 6/7", got)
	}
	// Every language has fewer than MinCell responses: the report shows
	// none of their figures.
	var langs []string
	for _, l := range p.Languages {
		langs = append(langs, l.Language)
		if !l.Suppressed || l.Funnel != nil {
			t.Errorf("language %s with under %d responses is shown: %+v", l.Language, MinCell, l)
		}
	}
	if want := []string{"es", "pt", "en", "fr", UnknownLanguage}; !reflect.DeepEqual(langs, want) {
		t.Fatalf("languages = %v, want %v", langs, want)
	}
	// The figures themselves, as a report with more respondents shows them.
	es, pt := tl.funnel(c, tl.languages["es"]), tl.funnel(c, tl.languages["pt"])
	if es.Started != 2 || es.Completed != 2 || es.MedianSeconds == nil || *es.MedianSeconds != 90 {
		t.Errorf("es: started %d, completed %d, median %v; want 2, 2, 90 (the mean of 60 and 120)", es.Started, es.Completed, es.MedianSeconds)
	}
	if pt.Started != 2 || pt.Completed != 1 || pt.CompletionRate != 0.5 || pt.Questions[0].Stopped != 1 {
		t.Errorf("pt: started %d, completed %d, rate %v, stopped at watched %d; want 2, 1, 0.5, 1", pt.Started, pt.Completed, pt.CompletionRate, pt.Questions[0].Stopped)
	}
	if und := tl.funnel(c, tl.languages[UnknownLanguage]); und.MedianSeconds != nil || und.Questions[2].Stopped != 1 {
		t.Errorf("und: median %v, stopped at recommend %d; want none, 1", und.MedianSeconds, und.Questions[2].Stopped)
	}
}

// A language with few responses is suppressed, and so is the next smallest
// when the total would otherwise reveal it.
func TestLanguageSuppression(t *testing.T) {
	c := reference(t)
	var rs []*Response
	for range 9 {
		rs = append(rs, reply("es", 60, "watched", "no"))
	}
	for range 6 {
		rs = append(rs, reply("pt", 60, "watched", "no"))
	}
	rs = append(rs, reply("en", 60, "watched", "no"))
	p := BuildReport(c, tallied(c, rs...), nil, tallyEpoch).Participation
	shown := map[string]bool{}
	for _, l := range p.Languages {
		shown[l.Language] = !l.Suppressed
	}
	// en (1) alone would be total 16 - es 9 - pt 6: pt is hidden with it.
	if want := map[string]bool{"es": true, "pt": false, "en": false}; !reflect.DeepEqual(shown, want) {
		t.Errorf("shown = %v, want %v", shown, want)
	}
}

func TestMedianDuration(t *testing.T) {
	c := reference(t)
	untimed := reply("es", 10)
	untimed.Started = time.Time{}
	backwards := reply("es", 10)
	backwards.Completed = tallyEpoch.Add(-time.Minute)
	tests := []struct {
		name string
		rs   []*Response
		want *float64
		over bool
	}{
		{"none completed", []*Response{reply("es", -1)}, nil, false},
		{"odd", []*Response{reply("es", 300), reply("es", 7), reply("es", 45)}, ptr(45.0), false},
		{"even", []*Response{reply("es", 7), reply("es", 45)}, ptr(26.0), false},
		{"pages apart", []*Response{reply("es", 1), reply("es", 4000), reply("es", 86399)}, ptr(4000.0), false},
		{"beyond a day", []*Response{reply("es", 60), reply("es", 25*3600), reply("es", 26*3600)}, ptr(float64(DurationLimit)), true},
		{"half beyond", []*Response{reply("es", 60), reply("es", 30*3600)}, ptr(float64(60+DurationLimit) / 2), true},
		{"without times", []*Response{untimed, backwards, reply("es", 8)}, ptr(8.0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := BuildReport(c, tallied(c, tt.rs...), nil, tallyEpoch).Participation
			if !reflect.DeepEqual(p.MedianSeconds, tt.want) || p.MedianOverLimit != tt.over {
				t.Errorf("median = %v (over %v), want %v (over %v)", deref(p.MedianSeconds), p.MedianOverLimit, deref(tt.want), tt.over)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// reportJSON is the report of t, as JSON.
func reportJSON(t *testing.T, c *Consultation, tally *Tally) string {
	t.Helper()
	b, err := json.Marshal(BuildReport(c, tally, nil, tallyEpoch))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTallyRemovesExactlyWhatItAdded(t *testing.T) {
	c := reference(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var kept []*Response
	all := NewTally(c)
	for i := range 400 {
		r := randomReply(rng, i, regionWeights{1, 1, 1, 1})
		all.Add(r, +1)
		if rng.IntN(2) == 0 {
			all.Add(r, -1)
			continue
		}
		if rng.IntN(3) == 0 { // the citizen changes answers
			changed := randomReply(rng, i, regionWeights{1, 1, 1, 1})
			all.Add(r, -1)
			all.Add(changed, +1)
			r = changed
		}
		kept = append(kept, r)
	}
	if got, want := reportJSON(t, c, all), reportJSON(t, c, tallied(c, kept...)); got != want {
		t.Errorf("after adding and removing, the report differs from a fresh tally's:\n got %s\nwant %s", got, want)
	}
	for _, r := range kept {
		all.Add(r, -1)
	}
	if got, want := reportJSON(t, c, all), reportJSON(t, c, NewTally(c)); got != want {
		t.Errorf("after removing everything, the report differs from an empty tally's:\n got %s\nwant %s", got, want)
	}
}

func TestTallyCloneIsIndependent(t *testing.T) {
	c := reference(t)
	rng := rand.New(rand.NewPCG(3, 4))
	orig := NewTally(c)
	for i := range 200 {
		orig.Add(randomReply(rng, i, regionWeights{1, 1, 1, 1}), +1)
	}
	clone := orig.Clone()
	before := reportJSON(t, c, clone)
	if got := reportJSON(t, c, orig); got != before {
		t.Fatalf("the clone's report differs from the original's")
	}
	for i := range 200 {
		orig.Add(randomReply(rng, 200+i, regionWeights{1, 1, 1, 1}), +1)
	}
	if got := reportJSON(t, c, clone); got != before {
		t.Errorf("adding to the original changed the clone's report")
	}
}

func TestReportProperties(t *testing.T) {
	c := reference(t)
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 7))
		tally := NewTally(c)
		for i := range 1 + rng.IntN(300) {
			tally.Add(randomReply(rng, i, regionWeights{1, 4, 8, 2}), +1)
		}
		rep := BuildReport(c, tally, nil, tallyEpoch)
		for _, q := range rep.Questions {
			checkShares(t, seed, q)
		}
		for _, b := range rep.Breakdowns {
			for _, cell := range b.Cells {
				if cell.CellValues == nil {
					continue
				}
				for _, q := range cell.Questions {
					checkShares(t, seed, q)
				}
			}
		}
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		estimates := 0
		walkJSON(doc, func(obj map[string]any) {
			v, ok1 := obj["value"].(float64)
			lo, ok2 := obj["low"].(float64)
			hi, ok3 := obj["high"].(float64)
			if ok1 && ok2 && ok3 {
				estimates++
				if lo > v || v > hi || math.IsNaN(v) {
					t.Errorf("seed %d: interval [%v, %v] does not contain its estimate %v", seed, lo, hi, v)
				}
			}
		})
		if estimates == 0 {
			t.Errorf("seed %d: the report has no estimate", seed)
		}
	}
}

// checkShares checks that a question's shares add up to 1 (single,
// satisfaction, scale) or each lie in [0, 1] (multiple), and agree with
// the counts.
func checkShares(t *testing.T, seed uint64, q QuestionStats) {
	t.Helper()
	if q.Summary == nil || q.N == 0 {
		return
	}
	sum := 0.0
	for _, s := range q.Distribution {
		sum += s.Share
		if s.Count < 0 || s.Count > q.N || s.Share != float64(s.Count)/float64(q.N) {
			t.Errorf("seed %d, %s: %d of %d is a share of %v", seed, q.ID, s.Count, q.N, s.Share)
		}
	}
	switch q.Kind {
	case KindSingle, KindSatisfaction, KindScale:
		if !near(sum, 1, 1e-9) {
			t.Errorf("seed %d, %s: shares add up to %v, want 1", seed, q.ID, sum)
		}
	case KindMultiple:
		if sum < 1-1e-9 {
			t.Errorf("seed %d, %s: shares add up to %v; each respondent chose at least one option", seed, q.ID, sum)
		}
	}
}

// walkJSON calls fn with every object in a decoded JSON document.
func walkJSON(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, x := range v {
			walkJSON(x, fn)
		}
	case []any:
		for _, x := range v {
			walkJSON(x, fn)
		}
	}
}

// The report's JSON form is a contract with renderers and analysts: its
// keys change only with ReportSchema.
func TestReportJSONKeys(t *testing.T) {
	c := reference(t)
	rng := rand.New(rand.NewPCG(8, 8))
	tally := NewTally(c)
	for i := range 100 {
		tally.Add(randomReply(rng, i, regionWeights{1, 1, 1, 1}), +1)
	}
	data, err := json.Marshal(BuildReport(c, tally, nil, tallyEpoch))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{"report", doc, "breakdowns commitment consultation default_language generated indicators min_cell participation questions schema title wave"},
		{"participation", doc["participation"], "completed completion_rate languages median_over_limit median_seconds questions started"},
		{"language", at(doc, "participation", "languages", 0), "completed completion_rate language median_over_limit median_seconds questions started"},
		{"question funnel", at(doc, "participation", "questions", 0), "answered answered_share question stopped stopped_share"},
		{"single", at(doc, "questions", 0), "distribution id kind n text"},
		{"option", at(doc, "questions", 0, "distribution", 0), "count option share text"},
		{"satisfaction", at(doc, "questions", 1), "bottom2box distribution id kind mean n sd text top2box"},
		{"value", at(doc, "questions", 1, "distribution", 0), "count share value"},
		{"estimate", at(doc, "questions", 1, "mean"), "high low value"},
		{"scale", at(doc, "questions", 2), "distribution id kind mean n nps sd text"},
		{"text", at(doc, "questions", 5), "id kind n phrases quotes terms text"},
		{"indicator", at(doc, "indicators", 0), "baseline id measure n progress question target value waves"},
		{"wave", at(doc, "indicators", 0, "waves", 0), "change consultation current date n p_value significant value wave"},
		{"breakdown", at(doc, "breakdowns", 0), "cells question"},
		{"cell", at(doc, "breakdowns", 0, "cells", 0), "indicators n option questions suppressed"},
		{"cell indicator", at(doc, "breakdowns", 0, "cells", 0, "indicators", 0), "id n suppressed value"},
	}
	for _, tt := range tests {
		obj, ok := tt.obj.(map[string]any)
		if !ok {
			t.Errorf("%s: %v is not an object", tt.name, tt.obj)
			continue
		}
		var keys []string
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got := strings.Join(keys, " "); got != tt.want {
			t.Errorf("%s keys:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// at walks a decoded JSON document by object keys and array indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			a, _ := v.([]any)
			if p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}
