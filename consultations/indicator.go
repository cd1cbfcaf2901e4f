package consultations

import (
	"sort"
	"time"
)

// IndicatorReport is one of the commitment's indicators measured on a
// consultation: its current value with a 95% interval, how far it has come
// from the baseline toward the target, and its value in every wave.
type IndicatorReport struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Measure  Measure `json:"measure"`
	Option   string  `json:"option,omitempty"` // for MeasureShare
	Measurement
	Baseline float64 `json:"baseline"`
	Target   float64 `json:"target"`
	// Progress is the way from baseline to target covered, in percent:
	// (value - baseline) / (target - baseline) * 100. It is below 0 when
	// the value went back and above 100 past the target; null without a
	// value or when the target equals the baseline.
	Progress *float64 `json:"progress"`
	// Waves is the indicator in each consultation of the commitment that
	// measures it, in order of date, this one included.
	Waves []WavePoint `json:"waves"`
}

// Measurement is an indicator's value on a set of respondents: N, the
// respondents of its question, and the value with its 95% interval (Wilson
// for top2box and share, t-based for mean, normal for nps), null when N is 0.
type Measurement struct {
	N     int       `json:"n"`
	Value *Estimate `json:"value"`
}

// WaveInput is one consultation of a commitment with its tally, for
// comparing an indicator across waves.
type WaveInput struct {
	Consultation *Consultation
	Tally        *Tally
}

// WavePoint is an indicator in one wave, with its change from the previous
// wave that measures it and whether that change is significant at 95%
// (two-proportion z-test for top2box and share; Welch's t-test for mean,
// and for nps on scores of +1, 0 and -1).
type WavePoint struct {
	Consultation string    `json:"consultation"` // slug
	Wave         string    `json:"wave"`
	Date         time.Time `json:"date"` // the consultation's Opens, or Created when it has none
	Current      bool      `json:"current"`
	Measurement
	Change      *float64 `json:"change"`  // value minus the previous wave's; null for the first or without values
	PValue      *float64 `json:"p_value"` // two-sided p-value of the change
	Significant bool     `json:"significant"`
}

// measured is an indicator's value with what the tests between waves need.
type measured struct {
	proportion bool
	k, n       int     // proportion: k of n
	m          moments // mean, nps: the scores' moments
	value      Estimate
}

func (m measured) measurement() Measurement {
	if m.n <= 0 {
		return Measurement{}
	}
	v := m.value
	return Measurement{N: m.n, Value: &v}
}

// measure computes indicator in from the counts of its question q; ok is
// false when q does not fit the measure.
func measure(in Indicator, q *Question, qc questionCounts) (m measured, ok bool) {
	switch {
	case in.Measure == MeasureTop2Box && q.Kind == KindSatisfaction:
		return proportionMeasured(qc.values[4]+qc.values[5], qc.answered), true
	case in.Measure == MeasureShare && hasOptions(q):
		o := optionPosition(q, in.Option)
		if o < 0 {
			return measured{}, false
		}
		return proportionMeasured(qc.options[o], qc.answered), true
	case in.Measure == MeasureMean && (q.Kind == KindSatisfaction || q.Kind == KindScale):
		lo, hi := 0.0, 10.0
		values := qc.values[:]
		if q.Kind == KindSatisfaction {
			lo, hi, values = 1, 5, qc.values[:6]
		}
		mo := histogramMoments(values)
		iv := meanInterval(mo, lo, hi)
		return measured{n: mo.n, m: mo, value: Estimate{mo.mean, iv.low, iv.high}}, true
	case in.Measure == MeasureNPS && q.Kind == KindScale:
		s := npsOf(qc.values)
		return measured{n: s.n, m: s.moments(), value: *s.estimate()}, true
	}
	return measured{}, false
}

func proportionMeasured(k, n int) measured {
	e := proportionEstimate(k, n)
	return measured{proportion: true, k: k, n: n, value: *e}
}

// compare returns the change from a to b and the p-value of the test of
// their difference.
func compare(a, b measured) (change, p float64) {
	change = b.value.Value - a.value.Value
	if a.proportion && b.proportion {
		_, p = twoProportionTest(a.k, a.n, b.k, b.n)
	} else {
		_, _, p = welchTest(a.m, b.m)
	}
	return change, p
}

// progress is the way from baseline to target that value covers, in percent.
func progress(value, baseline, target float64) *float64 {
	if target == baseline {
		return nil
	}
	p := (value - baseline) / (target - baseline) * 100
	return &p
}

// buildIndicators measures c's commitment's indicators on t, and on each
// wave of the commitment.
func buildIndicators(c *Consultation, t *Tally, waves []WaveInput) []IndicatorReport {
	ordered := orderWaves(c, t, waves)
	out := make([]IndicatorReport, 0, len(c.Commitment.Indicators))
	for _, in := range c.Commitment.Indicators {
		ir := IndicatorReport{
			ID: in.ID, Question: in.Question, Measure: in.Measure, Option: in.Option,
			Baseline: in.Baseline, Target: in.Target, Waves: []WavePoint{},
		}
		if q := c.Question(in.Question); q != nil {
			if m, ok := measure(in, q, t.counts(q)); ok {
				ir.Measurement = m.measurement()
				if ir.Value != nil {
					ir.Progress = progress(ir.Value.Value, in.Baseline, in.Target)
				}
			}
		}
		var prev *measured
		for _, w := range ordered {
			m, ok := w.measure(in)
			if !ok {
				continue
			}
			wp := WavePoint{
				Consultation: w.c.Slug, Wave: w.c.Wave, Date: waveDate(w.c),
				Current: w.current, Measurement: m.measurement(),
			}
			if prev != nil && prev.n > 0 && m.n > 0 {
				change, p := compare(*prev, m)
				wp.Change, wp.PValue, wp.Significant = &change, &p, p < Alpha
			}
			ir.Waves = append(ir.Waves, wp)
			prev = &m
		}
		out = append(out, ir)
	}
	return out
}

// wave is one consultation in the commitment's sequence of waves.
type wave struct {
	c       *Consultation
	t       *Tally
	current bool
}

// measure measures in on the wave: by the wave's own definition of the
// indicator with the same id when it has one, else by in itself.
func (w wave) measure(in Indicator) (measured, bool) {
	if w.t == nil {
		return measured{}, false
	}
	def := in
	for _, own := range w.c.Commitment.Indicators {
		if own.ID == in.ID {
			def = own
			break
		}
	}
	q := w.c.Question(def.Question)
	if q == nil {
		return measured{}, false
	}
	return measure(def, q, w.t.counts(q))
}

// orderWaves returns c with the waves of its commitment (others, and
// those without a tally, are left out; c's own entry is replaced by t) in
// order of date, then creation, then slug.
func orderWaves(c *Consultation, t *Tally, waves []WaveInput) []wave {
	out := []wave{{c: c, t: t, current: true}}
	for _, w := range waves {
		if w.Consultation == nil || w.Tally == nil || w.Consultation.Slug == c.Slug ||
			w.Consultation.Commitment.ID != c.Commitment.ID {
			continue
		}
		out = append(out, wave{c: w.Consultation, t: w.Tally})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].c, out[j].c
		if da, db := waveDate(a), waveDate(b); !da.Equal(db) {
			return da.Before(db)
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.Slug < b.Slug
	})
	return out
}

// waveDate is when a wave took place: its opening, or its creation when it
// has no opening date.
func waveDate(c *Consultation) time.Time {
	if !c.Opens.IsZero() {
		return c.Opens
	}
	return c.Created
}
