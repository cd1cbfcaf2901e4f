package consultations

// MinCell is the fewest respondents a breakdown cell needs for its values
// to be shown. A smaller cell is reported as suppressed ("<5") with no
// count, share or mean at all, so that no citizen in a small group can be
// recognised by their answers.
const MinCell = 5

// Breakdown is the answers broken down by the options of one demographic
// question: a cell for each option.
type Breakdown struct {
	Question string          `json:"question"`
	Cells    []BreakdownCell `json:"cells"`
}

// BreakdownCell is the respondents who chose one option of a demographic
// question. When fewer than MinCell of them, it is Suppressed and carries
// nothing else: no count, not even zero.
type BreakdownCell struct {
	Option     string `json:"option"`
	Suppressed bool   `json:"suppressed"`
	*CellValues
}

// CellValues is what a breakdown cell shows when it is not suppressed: its
// respondents, the other questions' statistics (not text questions) and
// the commitment's indicators among them. A question or indicator with
// fewer than MinCell respondents in the cell is itself suppressed, and so
// is one whose value could otherwise be worked out from the totals and the
// other cells (see buildBreakdowns).
type CellValues struct {
	N          int             `json:"n"`
	Questions  []QuestionStats `json:"questions"`
	Indicators []CellIndicator `json:"indicators"`
}

// CellIndicator is an indicator among the respondents of a breakdown cell;
// when suppressed it carries nothing but its id.
type CellIndicator struct {
	ID         string `json:"id"`
	Suppressed bool   `json:"suppressed"`
	*Measurement
}

// buildBreakdowns breaks t down by each demographic question of c that has
// options.
//
// Suppression is done per question across a breakdown's cells. A question
// is suppressed in a cell with fewer than MinCell respondents, or where
// fewer than MinCell respondents answered it (primary suppression). Then,
// since the report also gives the question's totals, the respondents
// hidden for that question (in suppressed cells, plus, for a single
// question, those who did not answer the demographic question, whom no
// cell shows) must number 0 or at least MinCell; otherwise the smallest
// cells still shown are suppressed too until they do (complementary
// suppression), so that no small group's answers can be had by
// subtracting the cells shown from the totals.
func buildBreakdowns(c *Consultation, t *Tally) []Breakdown {
	out := []Breakdown{}
	for i := range c.Questions {
		dq := &c.Questions[i]
		if !dq.Demographic || !hasOptions(dq) {
			continue
		}
		groups := t.groups(dq)
		b := Breakdown{Question: dq.ID, Cells: make([]BreakdownCell, len(dq.Options))}
		for o := range dq.Options {
			b.Cells[o] = BreakdownCell{Option: dq.Options[o].ID, Suppressed: groups[o].n < MinCell}
		}
		// hidden[j][o]: question j is suppressed in cell o.
		hidden := make([][]bool, len(c.Questions))
		for j := range c.Questions {
			q := &c.Questions[j]
			if j == i || q.Kind == KindText {
				continue
			}
			ns := make([]int, len(groups))
			rest := t.counts(q).answered
			for o, g := range groups {
				ns[o] = t.align(q, g.questions).answered
				rest -= ns[o]
			}
			if dq.Kind != KindSingle || rest < 0 {
				rest = 0 // cells overlap, and subtracting them tells nothing exact
			}
			hidden[j] = suppress(ns, func(o int) bool { return b.Cells[o].Suppressed }, rest)
		}
		for o := range b.Cells {
			if b.Cells[o].Suppressed {
				continue
			}
			b.Cells[o].CellValues = cellValues(c, t, i, groups[o], hidden, o)
		}
		out = append(out, b)
	}
	return out
}

// suppress returns which of the cells, with ns respondents each, are
// suppressed: those primary says, those with fewer than MinCell, and then
// the smallest others until the respondents hidden, with rest more that no
// cell shows, number 0 or at least MinCell.
func suppress(ns []int, primary func(o int) bool, rest int) []bool {
	out := make([]bool, len(ns))
	total := rest
	for o, n := range ns {
		if primary(o) || n < MinCell {
			out[o] = true
			total += n
		}
	}
	for total > 0 && total < MinCell {
		smallest := -1
		for o, n := range ns {
			if !out[o] && (smallest < 0 || n < ns[smallest]) {
				smallest = o
			}
		}
		if smallest < 0 {
			break
		}
		out[smallest] = true
		total += ns[smallest]
	}
	return out
}

// cellValues is what cell o of the breakdown by c's question dq shows.
func cellValues(c *Consultation, t *Tally, dq int, g groupTally, hidden [][]bool, o int) *CellValues {
	cv := &CellValues{N: g.n, Questions: []QuestionStats{}, Indicators: []CellIndicator{}}
	for j := range c.Questions {
		q := &c.Questions[j]
		if j == dq || q.Kind == KindText {
			continue
		}
		qs := QuestionStats{ID: q.ID, Kind: q.Kind, Demographic: q.Demographic, Suppressed: hidden[j][o]}
		if !qs.Suppressed {
			qs.Summary = summarize(q, t.align(q, g.questions), false)
		}
		cv.Questions = append(cv.Questions, qs)
	}
	for _, in := range c.Commitment.Indicators {
		j := c.index(in.Question)
		if j < 0 || j == dq || hidden[j] == nil {
			continue
		}
		q := &c.Questions[j]
		m, ok := measure(in, q, t.align(q, g.questions))
		if !ok {
			continue
		}
		ci := CellIndicator{ID: in.ID, Suppressed: hidden[j][o]}
		if !ci.Suppressed {
			mm := m.measurement()
			ci.Measurement = &mm
		}
		cv.Indicators = append(cv.Indicators, ci)
	}
	return cv
}

// groups returns t's groups for the options of demographic question dq, in
// dq's order; an option t does not know has an empty group.
func (t *Tally) groups(dq *Question) []groupTally {
	out := make([]groupTally, len(dq.Options))
	i, ok := t.position(dq)
	if !ok {
		return out
	}
	for _, d := range t.breakdowns {
		if d.question != i {
			continue
		}
		tq := &t.c.Questions[i]
		for o := range dq.Options {
			if p := optionPosition(tq, dq.Options[o].ID); p >= 0 {
				out[o] = d.groups[p]
			}
		}
	}
	return out
}
