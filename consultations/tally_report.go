package consultations

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// ReportSchema is the version of the Report's JSON form. Fields may be
// added without changing it; renaming, removing or changing the meaning of
// one changes it.
const ReportSchema = 1

// How much of a text question's answers a report shows.
const (
	ReportTerms   = 10 // most frequent terms
	ReportPhrases = 10 // most frequent two-word phrases
	ReportQuotes  = 5  // representative quotes
)

// Report is what a consultation's responses say, ready for the chat, a
// document, a chart or a JSON export: participation, each question's
// answers, the commitment's indicators across waves, and breakdowns by
// demographic question. Shares are fractions (0.42 for 42%), times are in
// seconds, intervals are 95%. Its JSON form is stable (see ReportSchema).
type Report struct {
	Schema       int    `json:"schema"`
	Consultation string `json:"consultation"` // slug
	Wave         string `json:"wave"`
	// DefaultLanguage is the language texts fall back to when the
	// reader's is missing.
	DefaultLanguage string            `json:"default_language"`
	Title           Text              `json:"title"`
	Commitment      ReportCommitment  `json:"commitment"`
	Generated       time.Time         `json:"generated"`
	MinCell         int               `json:"min_cell"` // breakdown cells with fewer respondents are suppressed
	Participation   Participation     `json:"participation"`
	Questions       []QuestionStats   `json:"questions"`
	Indicators      []IndicatorReport `json:"indicators"`
	Breakdowns      []Breakdown       `json:"breakdowns"`
}

// ReportCommitment names the commitment a report's consultation measures.
type ReportCommitment struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
}

// Participation is how many citizens started and finished, how long they
// took and where the others left, overall and for each language.
type Participation struct {
	Funnel
	Languages []LanguageFunnel `json:"languages"`
}

// LanguageFunnel is the participation of the citizens answering in one
// language (UnknownLanguage when the response has none).
type LanguageFunnel struct {
	Language string `json:"language"`
	// Suppressed: too few responses in this language to show (see
	// MinCell); then there are no figures at all.
	Suppressed bool `json:"suppressed,omitempty"`
	*Funnel
}

// Funnel is participation in numbers: responses started and completed, the
// median time to complete, and for each question how many answered it and
// how many left there without finishing (drop-off).
type Funnel struct {
	Started        int     `json:"started"`
	Completed      int     `json:"completed"`
	CompletionRate float64 `json:"completion_rate"` // completed / started; 0 when none started
	// MedianSeconds is the median time from start to completion; null when
	// no completed response has both times.
	MedianSeconds *float64 `json:"median_seconds"`
	// MedianOverLimit: the median is at least DurationLimit seconds and
	// MedianSeconds only a lower bound.
	MedianOverLimit bool             `json:"median_over_limit"`
	Questions       []QuestionFunnel `json:"questions"`
}

// QuestionFunnel is one question's place in the funnel. Shares are of the
// responses started.
type QuestionFunnel struct {
	Question      string  `json:"question"`
	Answered      int     `json:"answered"`
	AnsweredShare float64 `json:"answered_share"`
	Stopped       int     `json:"stopped"` // unfinished responses that left at this question
	StoppedShare  float64 `json:"stopped_share"`
}

// QuestionStats is what the answers to one question say. Within a
// breakdown cell a question with too few respondents is Suppressed and has
// no Summary at all.
type QuestionStats struct {
	ID          string `json:"id"`
	Kind        Kind   `json:"kind"`
	Text        Text   `json:"text,omitempty"` // in the report's questions, not in breakdown cells
	Demographic bool   `json:"demographic,omitempty"`
	Suppressed  bool   `json:"suppressed,omitempty"`
	*Summary
}

// Summary is the statistics of one question's answers; which fields are
// set depends on the kind. N counts respondents: responses with an answer.
type Summary struct {
	N int `json:"n"`
	// Distribution: each option (single, multiple) or value (satisfaction
	// 1-5, scale 0-10) with its count and share of N. The shares of a
	// multiple question are of respondents and may add up to more than 1.
	Distribution []Share    `json:"distribution,omitempty"`
	Mean         *Estimate  `json:"mean,omitempty"` // satisfaction, scale; t-based interval
	SD           *float64   `json:"sd,omitempty"`   // sample standard deviation, with two answers or more
	Top2Box      *Estimate  `json:"top2box,omitempty"`
	Bottom2Box   *Estimate  `json:"bottom2box,omitempty"`
	NPS          *Estimate  `json:"nps,omitempty"` // scale: share 9-10 minus share 0-6, from -1 to 1
	Terms        []TermFreq `json:"terms,omitempty"`
	Phrases      []TermFreq `json:"phrases,omitempty"`
	Quotes       []string   `json:"quotes,omitempty"`
}

// Share is one option or value of a question with the respondents who
// chose it.
type Share struct {
	Option string  `json:"option,omitempty"` // single, multiple
	Value  *int    `json:"value,omitempty"`  // satisfaction, scale
	Text   Text    `json:"text,omitempty"`   // the option's text, in the report's questions
	Count  int     `json:"count"`
	Share  float64 `json:"share"`
}

// TermFreq is a term or two-word phrase of a text question and how many
// answers use it.
type TermFreq struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

// Estimate is a value with its 95% confidence interval, Low <= Value <= High.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// BuildReport builds the report of consultation c from its tally t at time
// now. waves are the consultations of c's commitment with their tallies,
// for the indicators' change between waves (see IndicatorReport); they may
// include c, whose own tally t is used anyway. BuildReport does no I/O and
// does not change t; it takes time proportional to the number of questions,
// options and breakdown cells, not to the number of responses. A nil t is
// an empty tally.
func BuildReport(c *Consultation, t *Tally, waves []WaveInput, now time.Time) *Report {
	if t == nil {
		t = NewTally(c)
	}
	rep := &Report{
		Schema:          ReportSchema,
		Consultation:    c.Slug,
		Wave:            c.Wave,
		DefaultLanguage: c.DefaultLanguage,
		Title:           c.Title,
		Commitment:      ReportCommitment{ID: c.Commitment.ID, Title: c.Commitment.Title},
		Generated:       now,
		MinCell:         MinCell,
		Participation: Participation{
			Funnel:    t.funnel(c, &t.all),
			Languages: []LanguageFunnel{},
		},
		Questions:  make([]QuestionStats, 0, len(c.Questions)),
		Indicators: buildIndicators(c, t, waves),
		Breakdowns: buildBreakdowns(c, t),
	}
	rep.Participation.Languages = languageFunnels(c, t)
	for i := range c.Questions {
		q := &c.Questions[i]
		s := summarize(q, t.counts(q), true)
		if q.Kind == KindText {
			if tt := t.text(q); tt != nil {
				s.Terms = termFreqs(tt.Terms(ReportTerms))
				s.Phrases = termFreqs(tt.Phrases(ReportPhrases))
				s.Quotes = tt.Quotes(ReportQuotes)
			}
		}
		rep.Questions = append(rep.Questions, QuestionStats{
			ID: q.ID, Kind: q.Kind, Text: q.Text, Demographic: q.Demographic, Summary: s,
		})
	}
	return rep
}

// sortedLanguages orders languages as Languages does, then the others by code.
func sortedLanguages(m map[string]*funnel) []string {
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	rank := func(l string) int {
		if i := slices.Index(Languages, l); i >= 0 {
			return i
		}
		return len(Languages)
	}
	sort.Slice(langs, func(i, j int) bool {
		ri, rj := rank(langs[i]), rank(langs[j])
		if ri != rj {
			return ri < rj
		}
		return langs[i] < langs[j]
	})
	return langs
}

// funnel reports f with c's questions.
func (t *Tally) funnel(c *Consultation, f *funnel) Funnel {
	out := Funnel{
		Started:        f.started,
		Completed:      f.completed,
		CompletionRate: ratio(f.completed, f.started),
		Questions:      make([]QuestionFunnel, 0, len(c.Questions)),
	}
	if secs, over, ok := f.durations.median(); ok {
		out.MedianSeconds, out.MedianOverLimit = &secs, over
	}
	for i := range c.Questions {
		qf := QuestionFunnel{Question: c.Questions[i].ID}
		if j, ok := t.position(&c.Questions[i]); ok {
			qf.Answered, qf.Stopped = f.answered[j], f.stopped[j]
		}
		qf.AnsweredShare, qf.StoppedShare = ratio(qf.Answered, f.started), ratio(qf.Stopped, f.started)
		out.Questions = append(out.Questions, qf)
	}
	return out
}

// ratio is k/n, or 0 when n is not positive.
func ratio(k, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// position is the position in t of the question with q's id and kind.
func (t *Tally) position(q *Question) (int, bool) {
	i, ok := t.index[q.ID]
	if !ok || t.c.Questions[i].Kind != q.Kind {
		return 0, false
	}
	return i, true
}

// counts returns t's counts of q's answers, with q's options in q's order.
func (t *Tally) counts(q *Question) questionCounts {
	return t.align(q, t.questions)
}

// align returns the counts of q among qcs (t's questions, or a group's),
// arranged by q's options: t may have been built from another version of
// the consultation than the one reported.
func (t *Tally) align(q *Question, qcs []questionCounts) questionCounts {
	i, ok := t.position(q)
	if !ok || qcs == nil {
		return newQuestionCounts(q)
	}
	qc := qcs[i]
	tq := &t.c.Questions[i]
	if !hasOptions(q) || sameOptions(tq, q) {
		return qc
	}
	out := questionCounts{answered: qc.answered, options: make([]int, len(q.Options))}
	for o := range q.Options {
		if p := optionPosition(tq, q.Options[o].ID); p >= 0 {
			out.options[o] = qc.options[p]
		}
	}
	return out
}

func sameOptions(a, b *Question) bool {
	if len(a.Options) != len(b.Options) {
		return false
	}
	for i := range a.Options {
		if a.Options[i].ID != b.Options[i].ID {
			return false
		}
	}
	return true
}

// text returns t's text tally of q, or nil.
func (t *Tally) text(q *Question) *TextTally {
	if i, ok := t.position(q); ok {
		return t.texts[i]
	}
	return nil
}

// summarize computes the statistics of q's answers counted in qc; labels
// puts the options' texts in the distribution.
func summarize(q *Question, qc questionCounts, labels bool) *Summary {
	n := qc.answered
	s := &Summary{N: n}
	switch q.Kind {
	case KindSingle, KindMultiple:
		s.Distribution = make([]Share, len(q.Options))
		for o := range q.Options {
			s.Distribution[o] = Share{Option: q.Options[o].ID, Count: qc.options[o], Share: ratio(qc.options[o], n)}
			if labels {
				s.Distribution[o].Text = q.Options[o].Text
			}
		}
	case KindSatisfaction:
		s.Distribution = valueShares(qc.values[:], 1, 5, n)
		if n > 0 {
			m := histogramMoments(qc.values[:6])
			s.Mean = meanEstimate(m, 1, 5)
			if m.n > 1 {
				sd := m.sd()
				s.SD = &sd
			}
			s.Top2Box = proportionEstimate(qc.values[4]+qc.values[5], n)
			s.Bottom2Box = proportionEstimate(qc.values[1]+qc.values[2], n)
		}
	case KindScale:
		s.Distribution = valueShares(qc.values[:], 0, 10, n)
		if n > 0 {
			m := histogramMoments(qc.values[:])
			s.Mean = meanEstimate(m, 0, 10)
			if m.n > 1 {
				sd := m.sd()
				s.SD = &sd
			}
			s.NPS = npsOf(qc.values).estimate()
		}
	}
	return s
}

func valueShares(values []int, lo, hi, n int) []Share {
	out := make([]Share, 0, hi-lo+1)
	for v := lo; v <= hi; v++ {
		out = append(out, Share{Value: &v, Count: values[v], Share: ratio(values[v], n)})
	}
	return out
}

func meanEstimate(m moments, lo, hi float64) *Estimate {
	iv := meanInterval(m, lo, hi)
	return &Estimate{Value: m.mean, Low: iv.low, High: iv.high}
}

func proportionEstimate(k, n int) *Estimate {
	iv := wilson(k, n)
	return &Estimate{Value: ratio(k, n), Low: iv.low, High: iv.high}
}

// nps is a net promoter score's parts: n answers on a 0-10 scale, of which
// promoters answered 9-10 and detractors 0-6.
type nps struct{ n, promoters, detractors int }

func npsOf(values [11]int) nps {
	var s nps
	for v, c := range values {
		s.n += c
		switch {
		case v >= 9:
			s.promoters += c
		case v <= 6:
			s.detractors += c
		}
	}
	return s
}

func (s nps) value() float64 { return ratio(s.promoters-s.detractors, s.n) }

func (s nps) estimate() *Estimate {
	v := s.value()
	iv := npsInterval(ratio(s.promoters, s.n), ratio(s.detractors, s.n), v, s.n)
	return &Estimate{Value: v, Low: iv.low, High: iv.high}
}

// moments treats each answer as a score of +1 (promoter), 0 or -1
// (detractor), whose mean is the score, for Welch's test between waves.
func (s nps) moments() moments {
	m := moments{n: s.n, mean: s.value()}
	if s.n > 1 {
		sq := float64(s.promoters + s.detractors)
		m.variance = math.Max(0, (sq-float64(s.n)*m.mean*m.mean)/float64(s.n-1))
	}
	return m
}

func termFreqs(tcs []TermCount) []TermFreq {
	if len(tcs) == 0 {
		return nil
	}
	out := make([]TermFreq, len(tcs))
	for i, tc := range tcs {
		out[i] = TermFreq{Term: tc.Term, Count: tc.Count}
	}
	return out
}

// String formats an estimate for logs and test messages.
func (e Estimate) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	return f(e.Value) + " [" + f(e.Low) + ", " + f(e.High) + "]"
}

// ReportFrom builds consultation c's report from the running tallies a
// store keeps: c's own and those of the other consultations of its
// commitment, its waves.
func ReportFrom(ctx context.Context, s Store, c *Consultation, now time.Time) (*Report, error) {
	t, err := s.Tally(ctx, c.Slug)
	if err != nil {
		return nil, fmt.Errorf("count responses to %s: %w", c.Slug, err)
	}
	all, err := s.Consultations(ctx)
	if err != nil {
		return nil, fmt.Errorf("read consultations: %w", err)
	}
	var waves []WaveInput
	for _, o := range all {
		if o.Slug == c.Slug || o.Commitment.ID != c.Commitment.ID {
			continue
		}
		ot, err := s.Tally(ctx, o.Slug)
		if err != nil {
			return nil, fmt.Errorf("count responses to %s: %w", o.Slug, err)
		}
		waves = append(waves, WaveInput{Consultation: o, Tally: ot})
	}
	return BuildReport(c, t, waves, now), nil
}

// languageFunnels is participation by language, with the same protection
// as breakdown cells: a language with fewer than MinCell responses started
// is suppressed, and so is the next smallest while the suppressed ones
// together are 1 to MinCell-1 (the total would reveal them).
func languageFunnels(c *Consultation, t *Tally) []LanguageFunnel {
	langs := sortedLanguages(t.languages)
	funnels := make([]Funnel, len(langs))
	hidden := make([]bool, len(langs))
	hiddenStarted := 0
	for i, lang := range langs {
		funnels[i] = t.funnel(c, t.languages[lang])
		if funnels[i].Started < MinCell {
			hidden[i], hiddenStarted = true, hiddenStarted+funnels[i].Started
		}
	}
	for hiddenStarted > 0 && hiddenStarted < MinCell {
		smallest := -1
		for i := range langs {
			if !hidden[i] && (smallest < 0 || funnels[i].Started < funnels[smallest].Started) {
				smallest = i
			}
		}
		if smallest < 0 {
			break
		}
		hidden[smallest], hiddenStarted = true, hiddenStarted+funnels[smallest].Started
	}
	out := make([]LanguageFunnel, 0, len(langs))
	for i, lang := range langs {
		if hidden[i] {
			out = append(out, LanguageFunnel{Language: lang, Suppressed: true})
			continue
		}
		f := funnels[i]
		out = append(out, LanguageFunnel{Language: lang, Funnel: &f})
	}
	return out
}
