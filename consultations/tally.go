package consultations

import (
	"slices"
	"strings"
)

// Tally is the running aggregate of one consultation's responses, made of
// counts only, so that it is updated in time proportional to a response's
// answers as they arrive and change, and copied cheaply for a report (see
// BuildReport). It holds no answer of any one citizen, except the texts its
// text questions' TextTally keeps as candidate quotes.
//
// A respondent of a question is a response with a usable answer to it: a
// known option of a single question (the first known one if there are
// several), one or more distinct known options of a multiple question, a
// number on the scale of a satisfaction (1-5) or scale (0-10) question, or
// a text that is not blank. Answers to questions the consultation does not
// have, and unknown options, are ignored. Unfinished responses count as
// respondents of the questions they answered.
//
// A Tally is not safe for concurrent use: its owner serialises Add and
// Clone, and builds reports from a clone.
type Tally struct {
	c          *Consultation
	index      map[string]int // question id -> position in c.Questions
	counted    []bool         // by position: the first question with its id (ids are unique in a valid consultation)
	all        funnel
	languages  map[string]*funnel
	questions  []questionCounts // by position in c.Questions
	texts      []*TextTally     // by position; nil but for text questions
	breakdowns []demographicTally

	// scratch space for Add, never shared between clones
	parsed []parsedAnswer
	opts   []int
}

// funnel is participation in the consultation: overall or in one language.
type funnel struct {
	started   int
	completed int
	answered  []int // by question: responses with an answer to it
	stopped   []int // by question: unfinished responses that left there
	durations durationHistogram
}

// questionCounts are a question's answers, counted.
type questionCounts struct {
	answered int
	options  []int   // single, multiple: responses that chose each option
	values   [11]int // satisfaction (1-5), scale (0-10): answers of each value
}

// demographicTally is the breakdown of the other questions' answers by the
// options of one demographic question.
type demographicTally struct {
	question int          // position of the demographic question
	groups   []groupTally // by option
}

// groupTally counts the answers of the respondents who chose one option of
// a demographic question.
type groupTally struct {
	n         int
	questions []questionCounts // by position; text questions stay empty
}

// parsedAnswer is a response's answer to one question as the tally counts it.
type parsedAnswer struct {
	present bool   // the response has an answer, usable or not
	ok      bool   // the answer is usable: the response is a respondent
	opts    []int  // single, multiple: option positions, distinct
	value   int    // satisfaction, scale
	text    string // text
}

// UnknownLanguage is the language a response without one is counted under.
const UnknownLanguage = "und"

// NewTally returns an empty tally of c's responses. The tally keeps c and
// reads its questions on every Add, so c must not change while the tally is
// in use: when a consultation is edited, build a new tally.
func NewTally(c *Consultation) *Tally {
	n := len(c.Questions)
	t := &Tally{
		c:         c,
		index:     make(map[string]int, n),
		counted:   make([]bool, n),
		all:       newFunnel(n),
		languages: map[string]*funnel{},
		questions: make([]questionCounts, n),
		texts:     make([]*TextTally, n),
	}
	for i := range c.Questions {
		q := &c.Questions[i]
		if _, dup := t.index[q.ID]; !dup {
			t.index[q.ID] = i
			t.counted[i] = true
		}
		t.questions[i] = newQuestionCounts(q)
		if q.Kind == KindText {
			t.texts[i] = NewTextTally()
		}
		if q.Demographic && hasOptions(q) {
			d := demographicTally{question: i, groups: make([]groupTally, len(q.Options))}
			for o := range d.groups {
				d.groups[o].questions = make([]questionCounts, n)
				for j := range c.Questions {
					d.groups[o].questions[j] = newQuestionCounts(&c.Questions[j])
				}
			}
			t.breakdowns = append(t.breakdowns, d)
		}
	}
	return t
}

func newFunnel(n int) funnel {
	return funnel{answered: make([]int, n), stopped: make([]int, n)}
}

func newQuestionCounts(q *Question) questionCounts {
	if hasOptions(q) {
		return questionCounts{options: make([]int, len(q.Options))}
	}
	return questionCounts{}
}

func hasOptions(q *Question) bool { return q.Kind == KindSingle || q.Kind == KindMultiple }

// Consultation returns the consultation the tally counts.
func (t *Tally) Consultation() *Consultation { return t.c }

// Add counts the response r (sign +1) or takes back exactly what counting
// it added (sign -1): when a response changes, Add(old, -1) then
// Add(new, +1). r is not kept. Responses to another consultation are
// ignored.
func (t *Tally) Add(r *Response, sign int) {
	if r == nil || sign == 0 || (r.Consultation != "" && r.Consultation != t.c.Slug) {
		return
	}
	if sign > 0 {
		sign = 1
	} else {
		sign = -1
	}
	parsed := t.parse(r)
	lang := r.Language
	if lang == "" {
		lang = UnknownLanguage
	}
	lf := t.languages[lang]
	if lf == nil {
		f := newFunnel(len(t.questions))
		lf = &f
		t.languages[lang] = lf
	}
	stop := t.stoppedAt(r, parsed)
	secs, timed := r.Seconds()
	for _, f := range [2]*funnel{&t.all, lf} {
		f.started += sign
		if r.IsCompleted() {
			f.completed += sign
			if timed {
				f.durations.add(secs, sign)
			}
		}
		if stop >= 0 {
			f.stopped[stop] += sign
		}
		for i := range parsed {
			if parsed[i].ok {
				f.answered[i] += sign
			}
		}
	}
	if lf.started == 0 {
		delete(t.languages, lang)
	}
	qs := t.c.Questions
	for i := range parsed {
		if !parsed[i].ok {
			continue
		}
		t.questions[i].add(parsed[i], sign)
		if qs[i].Kind == KindText {
			t.texts[i].Add(parsed[i].text, r.Language, sign)
		}
	}
	for _, d := range t.breakdowns {
		for _, o := range parsed[d.question].opts {
			g := &d.groups[o]
			g.n += sign
			for j := range parsed {
				if j != d.question && parsed[j].ok && qs[j].Kind != KindText {
					g.questions[j].add(parsed[j], sign)
				}
			}
		}
	}
}

func (qc *questionCounts) add(p parsedAnswer, sign int) {
	qc.answered += sign
	for _, o := range p.opts {
		qc.options[o] += sign
	}
	if p.opts == nil {
		qc.values[p.value] += sign
	}
}

// parse reads r's answers to t's questions into t's scratch space.
func (t *Tally) parse(r *Response) []parsedAnswer {
	qs := t.c.Questions
	if len(t.parsed) != len(qs) {
		t.parsed = make([]parsedAnswer, len(qs))
	}
	t.opts = t.opts[:0]
	for i := range qs {
		q := &qs[i]
		p := parsedAnswer{}
		a, has := r.Answers[q.ID]
		if has && t.counted[i] {
			p.present = true
			switch q.Kind {
			case KindSingle, KindMultiple:
				start := len(t.opts)
				for _, ch := range a.Choices {
					o := optionPosition(q, ch)
					if o < 0 || slices.Contains(t.opts[start:], o) {
						continue
					}
					t.opts = append(t.opts, o)
					if q.Kind == KindSingle {
						break
					}
				}
				// Later appends write past this slice's end, or to a new
				// array, so the options read here stay as they are.
				p.opts = t.opts[start:len(t.opts):len(t.opts)]
				p.ok = len(p.opts) > 0
			case KindSatisfaction:
				p.value, p.ok = a.Number, a.Number >= 1 && a.Number <= 5
			case KindScale:
				p.value, p.ok = a.Number, a.Number >= 0 && a.Number <= 10
			case KindText:
				p.text, p.ok = a.Text, strings.TrimSpace(a.Text) != ""
			}
		}
		if !p.ok {
			p = parsedAnswer{present: p.present}
		}
		t.parsed[i] = p
	}
	return t.parsed
}

func optionPosition(q *Question, id string) int {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return i
		}
	}
	return -1
}

// stoppedAt is the position of the question an unfinished response left
// the consultation at: the question asked after the last one it answered
// (the first question when it answered none), or the last one it answered
// when no question is left. It is -1 for a completed response. A citizen
// who skipped an optional question and then left counts as stopped at it.
func (t *Tally) stoppedAt(r *Response, parsed []parsedAnswer) int {
	if r.IsCompleted() {
		return -1
	}
	qs := t.c.Questions
	last := -1
	for i := range parsed {
		if parsed[i].present {
			last = i
		}
	}
	after := ""
	if last >= 0 {
		after = qs[last].ID
	}
	if next := t.c.Next(after, r.Answers); next != nil {
		if i, ok := t.index[next.ID]; ok {
			return i
		}
	}
	return last
}

// Clone returns an independent copy of the tally, to build a report from
// while the original goes on counting.
func (t *Tally) Clone() *Tally {
	c := &Tally{
		c:         t.c,
		index:     t.index,   // never written after NewTally
		counted:   t.counted, // nor this
		all:       t.all.clone(),
		languages: make(map[string]*funnel, len(t.languages)),
		questions: cloneCounts(t.questions),
		texts:     make([]*TextTally, len(t.texts)),
	}
	for lang, f := range t.languages {
		fc := f.clone()
		c.languages[lang] = &fc
	}
	for i, tt := range t.texts {
		if tt != nil {
			c.texts[i] = tt.Clone()
		}
	}
	c.breakdowns = make([]demographicTally, len(t.breakdowns))
	for i, d := range t.breakdowns {
		groups := make([]groupTally, len(d.groups))
		for o, g := range d.groups {
			groups[o] = groupTally{n: g.n, questions: cloneCounts(g.questions)}
		}
		c.breakdowns[i] = demographicTally{question: d.question, groups: groups}
	}
	return c
}

func (f *funnel) clone() funnel {
	return funnel{
		started:   f.started,
		completed: f.completed,
		answered:  slices.Clone(f.answered),
		stopped:   slices.Clone(f.stopped),
		durations: f.durations.clone(),
	}
}

func cloneCounts(qs []questionCounts) []questionCounts {
	out := make([]questionCounts, len(qs))
	for i, q := range qs {
		out[i] = q
		out[i].options = slices.Clone(q.options)
	}
	return out
}

// DurationLimit is the longest time to complete, in seconds, that the
// median is exact for; longer times are counted together as "more".
const DurationLimit = 24 * 60 * 60

// durationPage is how many seconds one page of the histogram holds.
const durationPage = 600

// durationHistogram counts times to complete, to the second up to
// DurationLimit, in pages allocated as they are first used, so that a
// consultation answered in minutes costs a few kilobytes.
type durationHistogram struct {
	pages  [][]int // by page: count of each second
	totals []int   // by page: total count
	over   int     // times of DurationLimit or more
	n      int
}

func (h *durationHistogram) add(secs, sign int) {
	h.n += sign
	if secs >= DurationLimit {
		h.over += sign
		return
	}
	p := secs / durationPage
	if h.pages == nil {
		n := (DurationLimit + durationPage - 1) / durationPage
		h.pages, h.totals = make([][]int, n), make([]int, n)
	}
	if h.pages[p] == nil {
		h.pages[p] = make([]int, durationPage)
	}
	h.pages[p][secs%durationPage] += sign
	h.totals[p] += sign
}

// at returns the time of rank k (from 0) in ascending order, and whether it
// is beyond DurationLimit.
func (h *durationHistogram) at(k int) (secs int, over bool) {
	for p, total := range h.totals {
		if k >= total {
			k -= total
			continue
		}
		for s, c := range h.pages[p] {
			if k < c {
				return p*durationPage + s, false
			}
			k -= c
		}
	}
	return DurationLimit, true
}

// median returns the median time in seconds (the mean of the two middle
// times when their number is even); over says a middle time is beyond
// DurationLimit and the median only a lower bound. ok is false when there
// are no times.
func (h *durationHistogram) median() (secs float64, over, ok bool) {
	if h.n <= 0 {
		return 0, false, false
	}
	a, overA := h.at((h.n - 1) / 2)
	b, overB := h.at(h.n / 2) // DurationLimit when beyond it
	return float64(a+b) / 2, overA || overB, true
}

func (h *durationHistogram) clone() durationHistogram {
	c := durationHistogram{over: h.over, n: h.n, totals: slices.Clone(h.totals)}
	if h.pages != nil {
		c.pages = make([][]int, len(h.pages))
		for i, p := range h.pages {
			c.pages[i] = slices.Clone(p)
		}
	}
	return c
}
