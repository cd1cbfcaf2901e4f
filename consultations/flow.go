package consultations

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Asked reports whether q is put to a citizen who gave answers so far. A
// question without a condition is always asked; one with a condition is
// asked only when the question it depends on was itself asked and answered
// with one of the condition's options (for a multiple question, any of the
// chosen options will do). An unanswered or skipped question satisfies no
// condition.
func (c *Consultation) Asked(q *Question, answers map[string]Answer) bool {
	return c.asked(q, answers, len(c.Questions))
}

// asked is Asked with a bound on how far conditions are followed, so that a
// consultation with a cycle of conditions (which Validate refuses) cannot
// make it loop.
func (c *Consultation) asked(q *Question, answers map[string]Answer, depth int) bool {
	if q.When == nil {
		return true
	}
	if depth <= 0 {
		return false
	}
	a, ok := answers[q.When.Question]
	if !ok {
		return false
	}
	if dep := c.Question(q.When.Question); dep != nil && !c.asked(dep, answers, depth-1) {
		return false // an answer left over from a question no longer asked
	}
	for _, ch := range a.Choices {
		if slices.Contains(q.When.Is, ch) {
			return true
		}
	}
	return false
}

// Next returns the question to ask after the one with id after ("" for the
// first question), skipping those whose condition the answers do not meet;
// nil when there is none left, or when after is not a question of c.
func (c *Consultation) Next(after string, answers map[string]Answer) *Question {
	start := 0
	if after != "" {
		i := c.index(after)
		if i < 0 {
			return nil
		}
		start = i + 1
	}
	for i := start; i < len(c.Questions); i++ {
		if c.Asked(&c.Questions[i], answers) {
			return &c.Questions[i]
		}
	}
	return nil
}

// Progress returns the position n (from 1) of question id among the
// questions asked given the answers so far, and how many questions that
// makes in all, for "Question n of total". A later question whose condition
// rests on a question not reached yet still counts (it may be asked), so the
// total only ever drops as the citizen answers. The question id itself
// always counts, as it is on screen. n is 0 when id is not a question of c.
func (c *Consultation) Progress(id string, answers map[string]Answer) (n, total int) {
	cur := c.index(id)
	for i := range c.Questions {
		q := &c.Questions[i]
		switch {
		case q.ID == id && n == 0:
			total++
			n = total
		case c.Asked(q, answers):
			total++
		case i > cur && c.mayBeAsked(q, answers, cur):
			total++
		}
	}
	return n, total
}

// mayBeAsked reports whether q's condition rests on a question at or after
// position cur that has no answer yet, so q may still be asked.
func (c *Consultation) mayBeAsked(q *Question, answers map[string]Answer, cur int) bool {
	if q.When == nil {
		return false
	}
	if _, answered := answers[q.When.Question]; answered {
		return false
	}
	return c.index(q.When.Question) >= cur
}

func (c *Consultation) index(id string) int {
	return slices.IndexFunc(c.Questions, func(q Question) bool { return q.ID == id })
}

// Check returns an EINVALID *Error when a does not fit q: an unknown option,
// not exactly one choice for a single question, none, too many or repeated
// choices for a multiple one, a number off the scale, or an empty or too
// long text. Skipping an optional question is not an answer and is not
// checked here.
func (q *Question) Check(a Answer) error {
	switch q.Kind {
	case KindSingle:
		if len(a.Choices) != 1 {
			return Errorf(EINVALID, "question %q takes exactly one option, got %d", q.ID, len(a.Choices))
		}
	case KindMultiple:
		if len(a.Choices) == 0 {
			return Errorf(EINVALID, "question %q needs at least one option", q.ID)
		}
		if q.Max > 0 && len(a.Choices) > q.Max {
			return Errorf(EINVALID, "question %q takes at most %d options, got %d", q.ID, q.Max, len(a.Choices))
		}
		for i, ch := range a.Choices {
			if slices.Contains(a.Choices[:i], ch) {
				return Errorf(EINVALID, "option %q of question %q is chosen twice", ch, q.ID)
			}
		}
	case KindSatisfaction:
		if a.Number < 1 || a.Number > 5 {
			return Errorf(EINVALID, "question %q takes a number from 1 to 5, got %d", q.ID, a.Number)
		}
		return nil
	case KindScale:
		if a.Number < 0 || a.Number > 10 {
			return Errorf(EINVALID, "question %q takes a number from 0 to 10, got %d", q.ID, a.Number)
		}
		return nil
	case KindText:
		if strings.TrimSpace(a.Text) == "" {
			return Errorf(EINVALID, "question %q needs a text answer", q.ID)
		}
		limit := q.MaxLength
		if limit <= 0 {
			limit = DefaultMaxLength
		}
		if n := utf8.RuneCountInString(a.Text); n > limit {
			return Errorf(EINVALID, "the answer to question %q has %d characters; the most is %d", q.ID, n, limit)
		}
		return nil
	default:
		return Errorf(EINVALID, "question %q has unknown kind %q", q.ID, q.Kind)
	}
	for _, ch := range a.Choices {
		if q.Option(ch) == nil {
			return Errorf(EINVALID, "question %q has no option %q", q.ID, ch)
		}
	}
	return nil
}

// Prune removes the answers to questions that the other answers no longer
// lead to, as when a citizen goes back and changes "watched" from yes to no
// so that the satisfaction answer no longer applies. Answers to questions c
// does not have are kept.
func (r *Response) Prune(c *Consultation) {
	var drop []string
	for i := range c.Questions {
		q := &c.Questions[i]
		if _, ok := r.Answers[q.ID]; ok && !c.Asked(q, r.Answers) {
			drop = append(drop, q.ID)
		}
	}
	for _, id := range drop {
		delete(r.Answers, id)
	}
}
