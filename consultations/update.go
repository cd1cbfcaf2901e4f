package consultations

import "fmt"

// CheckUpdate lists what replacing old with new would break among the
// answers already recorded: a question with answers removed or changed to
// another kind, an option with answers removed. Texts, order, dates and new
// questions may change freely. A nil old (a new consultation) is always fine.
func CheckUpdate(old, new *Consultation, u Usage) []Problem {
	if old == nil {
		return nil
	}
	var problems []Problem
	for _, oq := range old.Questions {
		n := u.Answers[oq.ID]
		if n == 0 {
			continue
		}
		i, nq := -1, (*Question)(nil)
		for j := range new.Questions {
			if new.Questions[j].ID == oq.ID {
				i, nq = j, &new.Questions[j]
				break
			}
		}
		if nq == nil {
			problems = append(problems, Problem{
				Path:    "questions",
				Message: fmt.Sprintf("question %q has %s and cannot be removed; keep it, or publish a new consultation with another slug", oq.ID, answers(n)),
			})
			continue
		}
		if nq.Kind != oq.Kind {
			problems = append(problems, Problem{
				Path:    fmt.Sprintf("questions[%d].kind", i),
				Message: fmt.Sprintf("cannot change from %s to %s: question %q has %s; keep %s, or add a new question with another id", oq.Kind, nq.Kind, oq.ID, answers(n), oq.Kind),
			})
			continue
		}
		for _, oo := range oq.Options {
			c := u.Options[oq.ID][oo.ID]
			if c > 0 && nq.Option(oo.ID) == nil {
				problems = append(problems, Problem{
					Path:    fmt.Sprintf("questions[%d].options", i),
					Message: fmt.Sprintf("option %q of question %q was chosen in %s and cannot be removed; keep it (its text may change)", oo.ID, oq.ID, answers(c)),
				})
			}
		}
	}
	return problems
}

func answers(n int) string {
	if n == 1 {
		return "1 answer"
	}
	return fmt.Sprintf("%d answers", n)
}
