package consultations

import (
	"testing"
	"time"
)

// indicatorReport returns the report's indicator id.
func indicatorReport(t *testing.T, rep *Report, id string) IndicatorReport {
	t.Helper()
	for _, in := range rep.Indicators {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("the report has no indicator %q", id)
	return IndicatorReport{}
}

// repeat returns n copies of the response made by mk.
func repeat(n int, mk func() *Response) []*Response {
	out := make([]*Response, n)
	for i := range out {
		out[i] = mk()
	}
	return out
}

// watchedYesNo returns responses of which yes answered watched "yes" and
// no "no".
func watchedYesNo(yes, no int) []*Response {
	return append(repeat(yes, func() *Response { return reply("es", 60, "watched", "yes") }),
		repeat(no, func() *Response { return reply("es", 60, "watched", "no") })...)
}

func TestIndicatorsOfTheReference(t *testing.T) {
	c := reference(t)
	var rs []*Response
	for _, v := range []int{5, 5, 4, 4, 4, 3, 3, 2, 1, 5} {
		rs = append(rs, reply("es", 60, "watched", "yes", "satisfaction", v))
	}
	rs = append(rs, watchedYesNo(0, 15)...)
	rep := BuildReport(c, tallied(c, rs...), nil, tallyEpoch)

	sat := indicatorReport(t, rep, "satisfied-viewers")
	if sat.Measure != MeasureTop2Box || sat.Question != "satisfaction" || sat.N != 10 {
		t.Errorf("satisfied-viewers: %s of %s, n %d; want top2box of satisfaction, n 10", sat.Measure, sat.Question, sat.N)
	}
	w := wilson(6, 10)
	checkEstimate(t, "satisfied-viewers", sat.Value, Estimate{0.6, w.low, w.high})
	// (0.60 - 0.42) / (0.60 - 0.42): the target is reached.
	if sat.Progress == nil || !near(*sat.Progress, 100, 1e-9) {
		t.Errorf("progress = %v, want 100", deref(sat.Progress))
	}
	if sat.Baseline != 0.42 || sat.Target != 0.60 {
		t.Errorf("baseline, target = %v, %v; want 0.42, 0.60", sat.Baseline, sat.Target)
	}

	viewers := indicatorReport(t, rep, "viewers")
	checkEstimate(t, "viewers", viewers.Value, Estimate{0.4, wilson(10, 25).low, wilson(10, 25).high})
	// (0.40 - 0.18) / (0.30 - 0.18) = 183.3%: past the target.
	if viewers.Progress == nil || !near(*viewers.Progress, 22.0/12*100, 1e-9) {
		t.Errorf("progress = %v, want 183.33", deref(viewers.Progress))
	}
	if len(viewers.Waves) != 1 || !viewers.Waves[0].Current || viewers.Waves[0].Change != nil {
		t.Errorf("waves = %+v, want this one alone, with no change", viewers.Waves)
	}
}

func TestIndicatorWithoutAnswers(t *testing.T) {
	c := reference(t)
	in := indicatorReport(t, BuildReport(c, NewTally(c), nil, tallyEpoch), "satisfied-viewers")
	if in.N != 0 || in.Value != nil || in.Progress != nil {
		t.Errorf("n %d, value %v, progress %v; want 0, none, none", in.N, in.Value, deref(in.Progress))
	}
}

func TestIndicatorProgress(t *testing.T) {
	tests := []struct {
		value, baseline, target float64
		want                    *float64
	}{
		{0.51, 0.42, 0.60, ptr(50.0)},
		{0.42, 0.42, 0.60, ptr(0.0)},
		{0.33, 0.42, 0.60, ptr(-50.0)},
		{3.0, 4.0, 2.0, ptr(50.0)}, // a target below the baseline
		{0.5, 0.5, 0.5, nil},
	}
	for _, tt := range tests {
		got := progress(tt.value, tt.baseline, tt.target)
		if (got == nil) != (tt.want == nil) || (got != nil && !near(*got, *tt.want, 1e-9)) {
			t.Errorf("progress(%v, %v, %v) = %v, want %v", tt.value, tt.baseline, tt.target, deref(got), deref(tt.want))
		}
	}
}

// wave returns a copy of the reference consultation as another wave of
// its commitment, opening at opens.
func otherWave(c *Consultation, slug, name string, opens time.Time) *Consultation {
	w := *c
	w.Slug, w.Wave, w.Opens = slug, name, opens
	w.Created = opens.Add(-24 * time.Hour)
	return &w
}

func TestWavesOfAShare(t *testing.T) {
	c := reference(t)
	base := otherWave(c, "livestream-2025", "baseline-2025", time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
	mid := otherWave(c, "livestream-2026-mid", "mid-2026", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	unrelated := otherWave(c, "budget-2026", "first", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	unrelated.Commitment.ID = "cl-2026-01"
	current := tallied(c, watchedYesNo(40, 60)...)
	waves := []WaveInput{
		{Consultation: c, Tally: NewTally(c)}, // its own entry: the tally given to BuildReport counts
		{Consultation: unrelated, Tally: tallied(unrelated, watchedYesNo(90, 10)...)},
		{Consultation: mid, Tally: tallied(mid, watchedYesNo(38, 62)...)},
		{Consultation: base, Tally: tallied(base, watchedYesNo(20, 80)...)},
		{Consultation: nil, Tally: nil},
	}
	in := indicatorReport(t, BuildReport(c, current, waves, tallyEpoch), "viewers")
	var slugs []string
	for _, w := range in.Waves {
		slugs = append(slugs, w.Consultation)
	}
	if len(in.Waves) != 3 || slugs[0] != base.Slug || slugs[1] != mid.Slug || slugs[2] != c.Slug {
		t.Fatalf("waves = %v, want %s, %s, %s", slugs, base.Slug, mid.Slug, c.Slug)
	}
	first, second, third := in.Waves[0], in.Waves[1], in.Waves[2]
	if first.Change != nil || first.PValue != nil || first.Significant || first.Current {
		t.Errorf("first wave: change %v, p %v, significant %v, current %v; want none of them",
			deref(first.Change), deref(first.PValue), first.Significant, first.Current)
	}
	if !first.Date.Equal(base.Opens) || first.Wave != "baseline-2025" || first.N != 100 {
		t.Errorf("first wave: date %v, wave %q, n %d; want %v, baseline-2025, 100", first.Date, first.Wave, first.N, base.Opens)
	}
	// 20/100 -> 38/100: z = 0.18 / sqrt(0.29 * 0.71 * 0.02) = 2.8049, p = 0.005033.
	_, p := twoProportionTest(20, 100, 38, 100)
	if second.Change == nil || !near(*second.Change, 0.18, 1e-12) || second.PValue == nil ||
		!near(*second.PValue, p, 1e-15) || !near(p, 0.005033, 1e-6) || !second.Significant {
		t.Errorf("second wave: change %v, p %v, significant %v; want 0.18, 0.005033, true",
			deref(second.Change), deref(second.PValue), second.Significant)
	}
	// 38/100 -> 40/100 is well within chance.
	if third.Change == nil || !near(*third.Change, 0.02, 1e-12) || third.Significant || !third.Current {
		t.Errorf("third wave: change %v, significant %v, current %v; want 0.02, false, true",
			deref(third.Change), third.Significant, third.Current)
	}
}

// withIndicators returns a copy of the reference consultation measured by
// indicators.
func withIndicators(c *Consultation, slug string, opens time.Time, indicators ...Indicator) *Consultation {
	w := otherWave(c, slug, slug, opens)
	w.Commitment.Indicators = indicators
	return w
}

func TestWavesOfMeans(t *testing.T) {
	ref := reference(t)
	indicators := []Indicator{
		{ID: "mean-satisfaction", Question: "satisfaction", Measure: MeasureMean, Baseline: 3, Target: 4},
		{ID: "nps", Question: "recommend", Measure: MeasureNPS, Baseline: 0, Target: 0.5},
	}
	before := withIndicators(ref, "before", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), indicators...)
	after := withIndicators(ref, "after", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), indicators...)
	answers := func(sat []int, rec []int) []*Response {
		var rs []*Response
		for _, v := range sat {
			rs = append(rs, reply("es", 60, "watched", "yes", "satisfaction", v))
		}
		for _, v := range rec {
			rs = append(rs, reply("es", 60, "watched", "no", "recommend", v))
		}
		return rs
	}
	tBefore := tallied(before, answers([]int{1, 2, 3, 4, 5}, []int{10, 9, 0, 0})...)
	tAfter := tallied(after, answers([]int{3, 4, 5, 5, 5}, []int{10, 10, 10, 8})...)
	rep := BuildReport(after, tAfter, []WaveInput{{before, tBefore}}, tallyEpoch)

	// Welch, by hand: means 3 and 4.4, variances 2.5 and 0.8, n 5 and 5:
	// t = 1.4 / sqrt(0.66) = 1.72328, df = 6.32221, p = 0.13308.
	mean := indicatorReport(t, rep, "mean-satisfaction")
	if w := mean.Waves[1]; w.Change == nil || !near(*w.Change, 1.4, 1e-12) || !near(*w.PValue, 0.13308030605967536, 1e-9) || w.Significant {
		t.Errorf("mean: change %v, p %v, significant %v; want 1.4, 0.13308, false", deref(w.Change), deref(w.PValue), w.Significant)
	}
	if mean.Progress == nil || !near(*mean.Progress, 140, 1e-9) {
		t.Errorf("mean: progress %v, want (4.4 - 3) / (4 - 3) = 140%%", deref(mean.Progress))
	}
	// NPS scores +1 +1 -1 -1 (nps 0) and +1 +1 +1 0 (nps 0.75), by Welch:
	// t = 0.75 / sqrt(1/3 + 1/16) = 1.19208, df = 4.08679, p = 0.29782.
	nps := indicatorReport(t, rep, "nps")
	if w := nps.Waves[1]; w.Change == nil || !near(*w.Change, 0.75, 1e-12) || !near(*w.PValue, 0.29781926814159565, 1e-9) || w.Significant {
		t.Errorf("nps: change %v, p %v, significant %v; want 0.75, 0.29782, false", deref(w.Change), deref(w.PValue), w.Significant)
	}
	// Variance (3/4 + 0 - 0.75²) / 4 = 0.046875; the top is cut at 1.
	checkEstimate(t, "nps", nps.Value, Estimate{0.75, 0.75 - z95*0.2165064, 1})
}

func TestWaveMissingTheIndicatorIsLeftOut(t *testing.T) {
	c := reference(t)
	old := otherWave(c, "old", "old", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	old.Questions = old.Questions[2:] // no watched question: "viewers" cannot be measured
	old.Commitment.Indicators = nil
	in := indicatorReport(t, BuildReport(c, tallied(c, watchedYesNo(3, 3)...), []WaveInput{{old, NewTally(old)}}, tallyEpoch), "viewers")
	if len(in.Waves) != 1 || in.Waves[0].Consultation != c.Slug {
		t.Errorf("waves = %+v, want this one alone", in.Waves)
	}
}
