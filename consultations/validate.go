package consultations

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// IDPattern is what a question or option id may look like: ids go into
// Telegram callback data, which is limited to 64 bytes.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// MaxTextLength is the largest max_length a text question may set.
const MaxTextLength = 4000

// Pillars lists the open parliament pillars, in the order messages name them.
var Pillars = []Pillar{PillarTransparency, PillarAccountability, PillarParticipation, PillarEthics}

// Measures lists the indicator measures, in the order messages name them.
var Measures = []Measure{MeasureTop2Box, MeasureShare, MeasureMean, MeasureNPS}

// Messages shared by Validate and ParseFile, which alone can tell an absent
// max or max_length from a zero one.
const (
	msgMaxOnlyMultiple   = "max is only for multiple questions; remove it"
	msgMaxLengthOnlyText = "max_length is only for text questions; remove it"
)

var msgMaxLengthRange = fmt.Sprintf("max_length must be between 1 and %d characters; remove it to accept up to %d", MaxTextLength, DefaultMaxLength)

// Validate lists every rule the consultation breaks, so that a clerk can fix
// a file in one go; nil means it can be published. Paths are field paths as
// in the file ("questions[2].kind"); lines are left for ParseFile to fill.
func (c *Consultation) Validate() []Problem {
	v := &validator{c: c}
	v.header()
	v.commitment()
	v.questions()
	return v.problems
}

type validator struct {
	c        *Consultation
	problems []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// orList joins items as "a, b or c".
func orList[S ~string](items []S) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = string(it)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func (v *validator) header() {
	c := v.c
	switch {
	case c.Slug == "":
		v.add("slug", "slug is required; add one such as livestream-2026: it is used in t.me links to the consultation")
	case !SlugPattern.MatchString(c.Slug):
		v.add("slug", "slug %q may only have letters, digits, - and _ (at most 64): it is used in t.me links to the consultation", c.Slug)
	}
	switch {
	case c.DefaultLanguage == "":
		v.add("default_language", "default_language is required; use %s", orList(Languages))
	case !slices.Contains(Languages, c.DefaultLanguage):
		v.add("default_language", "unknown language %q; use %s", c.DefaultLanguage, orList(Languages))
	}
	v.text("title", c.Title, true)
	v.text("intro", c.Intro, false)
	if !c.Opens.IsZero() && !c.Closes.IsZero() && !c.Closes.After(c.Opens) {
		v.add("closes", "closes (%s) must be after opens (%s); check both dates", c.Closes.Format("2006-01-02 15:04 -07:00"), c.Opens.Format("2006-01-02 15:04 -07:00"))
	}
}

// text checks a multilingual text: known languages only, and when required
// (or given at all) a text in the default language.
func (v *validator) text(path string, t Text, required bool) {
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		if !slices.Contains(Languages, l) {
			v.add(join(path, l), "unknown language %q; use %s", l, orList(Languages))
		}
	}
	if !required && len(t) == 0 {
		return
	}
	def := v.c.DefaultLanguage
	if !slices.Contains(Languages, def) {
		return // reported once, on default_language
	}
	if strings.TrimSpace(t[def]) == "" {
		v.add(join(path, def), "missing text in the default language %s; add %s", def, join(path, def))
	}
}

func (v *validator) commitment() {
	cm := &v.c.Commitment
	if cm.ID == "" {
		v.add("commitment.id", "commitment.id is required; use the commitment's code in the action plan, such as cl-2026-07")
	}
	switch {
	case cm.Pillar == "":
		v.add("commitment.pillar", "commitment.pillar is required; use %s", orList(Pillars))
	case !slices.Contains(Pillars, cm.Pillar):
		v.add("commitment.pillar", "unknown pillar %q; use %s", cm.Pillar, orList(Pillars))
	}
	v.text("commitment.title", cm.Title, true)
	seen := map[string]string{}
	for i := range cm.Indicators {
		v.indicator(index("commitment.indicators", i), &cm.Indicators[i], seen)
	}
}

func (v *validator) indicator(path string, in *Indicator, seen map[string]string) {
	switch {
	case in.ID == "":
		v.add(join(path, "id"), "id is required; name the indicator, such as satisfied-viewers")
	case seen[in.ID] != "":
		v.add(join(path, "id"), "indicator id %q is already used by %s; give each indicator its own id", in.ID, seen[in.ID])
	default:
		seen[in.ID] = path
	}
	var q *Question
	switch {
	case in.Question == "":
		v.add(join(path, "question"), "question is required; name the id of the question the indicator is computed from")
	default:
		if q = v.c.Question(in.Question); q == nil {
			v.add(join(path, "question"), "no question %q in this consultation; use one of %s", in.Question, orList(v.questionIDs()))
		}
	}
	if in.Measure == "" {
		v.add(join(path, "measure"), "measure is required; use %s", orList(Measures))
		return
	}
	if !slices.Contains(Measures, in.Measure) {
		v.add(join(path, "measure"), "unknown measure %q; use %s", in.Measure, orList(Measures))
		return
	}
	if in.Option != "" && in.Measure != MeasureShare {
		v.add(join(path, "option"), "option is only used with measure share; remove it")
	}
	if q == nil || !slices.Contains(Kinds, q.Kind) {
		return // the question's own problem is reported with it
	}
	var lo, hi float64
	var unit string
	switch in.Measure {
	case MeasureTop2Box:
		if q.Kind != KindSatisfaction {
			v.add(join(path, "measure"), "top2box needs a satisfaction question, and %q is %s; use mean, nps or share as fits", q.ID, kindName(q.Kind))
			return
		}
		lo, hi, unit = 0, 1, "a share between 0 and 1 (0.42 for 42%)"
	case MeasureNPS:
		if q.Kind != KindScale {
			v.add(join(path, "measure"), "nps needs a scale question, and %q is %s; use a 0-10 scale question", q.ID, kindName(q.Kind))
			return
		}
		lo, hi, unit = -1, 1, "a share between -1 and 1 (0.25 for a net promoter score of +25)"
	case MeasureMean:
		switch q.Kind {
		case KindSatisfaction:
			lo, hi, unit = 1, 5, "a mean on the 1-5 satisfaction scale"
		case KindScale:
			lo, hi, unit = 0, 10, "a mean on the 0-10 scale"
		default:
			v.add(join(path, "measure"), "mean needs a satisfaction or scale question, and %q is %s; use share for options", q.ID, kindName(q.Kind))
			return
		}
	case MeasureShare:
		if q.Kind != KindSingle && q.Kind != KindMultiple {
			v.add(join(path, "measure"), "share needs a single or multiple question, and %q is %s; use top2box, mean or nps", q.ID, kindName(q.Kind))
			return
		}
		switch {
		case in.Option == "":
			v.add(join(path, "option"), "option is required with measure share; use one of the options of %q: %s", q.ID, orList(optionIDs(q)))
		case q.Option(in.Option) == nil:
			v.add(join(path, "option"), "no option %q in question %q; use %s", in.Option, q.ID, orList(optionIDs(q)))
		}
		lo, hi, unit = 0, 1, "a share between 0 and 1 (0.42 for 42%)"
	}
	for _, f := range []struct {
		name string
		val  float64
	}{{"baseline", in.Baseline}, {"target", in.Target}} {
		if math.IsNaN(f.val) || f.val < lo || f.val > hi {
			v.add(join(path, f.name), "%s %g is out of range for %s: write %s", f.name, f.val, in.Measure, unit)
		}
	}
}

// kindName is "a satisfaction question", "an unknown kind" and so on.
func kindName(k Kind) string {
	switch k {
	case "":
		return "of no kind"
	case KindSingle, KindMultiple, KindSatisfaction, KindScale, KindText:
		return fmt.Sprintf("a %s question", k)
	}
	return fmt.Sprintf("of unknown kind %q", k)
}

func (v *validator) questionIDs() []string {
	ids := make([]string, 0, len(v.c.Questions))
	for _, q := range v.c.Questions {
		if q.ID != "" {
			ids = append(ids, q.ID)
		}
	}
	return ids
}

// optionIDs lists q's option ids once each, for messages.
func optionIDs(q *Question) []string {
	ids := make([]string, 0, len(q.Options))
	for _, o := range q.Options {
		if o.ID != "" && !slices.Contains(ids, o.ID) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

func (v *validator) questions() {
	if len(v.c.Questions) == 0 {
		v.add("questions", "at least one question is needed; add a questions list as in the example file")
		return
	}
	seen := map[string]string{}
	for i := range v.c.Questions {
		v.question(i, seen)
	}
}

func (v *validator) question(i int, seen map[string]string) {
	q := &v.c.Questions[i]
	path := index("questions", i)
	switch {
	case q.ID == "":
		v.add(join(path, "id"), "id is required; give the question a short id such as watched (it is stored with every answer)")
	case !IDPattern.MatchString(q.ID):
		v.add(join(path, "id"), "question id %q may only have letters, digits, - and _ (at most 32): it goes into Telegram button data", q.ID)
	case seen[q.ID] != "":
		v.add(join(path, "id"), "question id %q is already used by %s; give each question its own id", q.ID, seen[q.ID])
	default:
		seen[q.ID] = path
	}
	known := slices.Contains(Kinds, q.Kind)
	switch {
	case q.Kind == "":
		v.add(join(path, "kind"), "kind is required; use %s", orList(Kinds))
	case !known:
		v.add(join(path, "kind"), "unknown kind %q; use %s", q.Kind, orList(Kinds))
	}
	v.text(join(path, "text"), q.Text, true)
	v.options(path, q, known)
	if q.Max != 0 {
		switch {
		case q.Kind != KindMultiple:
			v.add(join(path, "max"), "%s", msgMaxOnlyMultiple)
		case q.Max < 1 || q.Max > len(q.Options):
			v.add(join(path, "max"), "max must be between 1 and the number of options (%d); remove it to allow every option", len(q.Options))
		}
	}
	if q.MaxLength != 0 {
		switch {
		case q.Kind != KindText:
			v.add(join(path, "max_length"), "%s", msgMaxLengthOnlyText)
		case q.MaxLength < 1 || q.MaxLength > MaxTextLength:
			v.add(join(path, "max_length"), "%s", msgMaxLengthRange)
		}
	}
	if q.When != nil {
		v.condition(i, join(path, "when"), q.When)
	}
}

func (v *validator) options(path string, q *Question, known bool) {
	choice := q.Kind == KindSingle || q.Kind == KindMultiple
	switch {
	case choice && len(q.Options) < 2:
		v.add(join(path, "options"), "a %s question needs at least 2 options; add them under options", q.Kind)
	case known && !choice && len(q.Options) > 0:
		v.add(join(path, "options"), "a %s question has no options; remove them, or make it single or multiple", q.Kind)
	}
	seen := map[string]string{}
	for j, o := range q.Options {
		p := index(join(path, "options"), j)
		switch {
		case o.ID == "":
			v.add(join(p, "id"), "id is required; give the option a short id such as \"yes\" (it is stored with every answer)")
		case !IDPattern.MatchString(o.ID):
			v.add(join(p, "id"), "option id %q may only have letters, digits, - and _ (at most 32): it goes into Telegram button data", o.ID)
		case seen[o.ID] != "":
			v.add(join(p, "id"), "option id %q is already used by %s; give each option of a question its own id", o.ID, seen[o.ID])
		default:
			seen[o.ID] = p
		}
		v.text(join(p, "text"), o.Text, true)
	}
}

// condition checks a question's skip logic: it may only depend on a single
// or multiple question asked before it, on options that question has.
func (v *validator) condition(i int, path string, w *Condition) {
	if w.Question == "" {
		v.add(join(path, "question"), "question is required; name an earlier single or multiple question")
		return
	}
	j := slices.IndexFunc(v.c.Questions, func(q Question) bool { return q.ID == w.Question })
	switch {
	case j < 0:
		v.add(join(path, "question"), "no question %q in this consultation; name an earlier single or multiple question", w.Question)
		return
	case j == i:
		v.add(join(path, "question"), "a question cannot depend on its own answer; name an earlier question")
		return
	case j > i:
		v.add(join(path, "question"), "question %q comes later (questions[%d]); a question may only depend on questions asked before it", w.Question, j)
		return
	}
	q := &v.c.Questions[j]
	if q.Kind != KindSingle && q.Kind != KindMultiple {
		v.add(join(path, "question"), "question %q is %s; a condition needs a single or multiple question", q.ID, kindName(q.Kind))
		return
	}
	if len(w.Is) == 0 {
		v.add(join(path, "is"), "is is required; list the options of %q that lead to this question: %s", q.ID, orList(optionIDs(q)))
		return
	}
	for k, id := range w.Is {
		if q.Option(id) == nil {
			v.add(index(join(path, "is"), k), "no option %q in question %q; use %s", id, q.ID, orList(optionIDs(q)))
		}
	}
}
