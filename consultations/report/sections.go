package report

import (
	"math"
	"strings"

	"github.com/parlabot/parlabot/consultations"
)

// indicators lays out the headline indicator (the commitment's first)
// against its target, then the others, each with its waves.
func (w *writer) indicators() {
	for i := range w.r.Indicators {
		in := &w.r.Indicators[i]
		switch i {
		case 0:
			w.d.add(heading{2, w.t("report_headline", map[string]any{"ID": in.ID})})
		case 1:
			w.d.add(heading{2, w.t("report_other_indicators", nil)})
			fallthrough
		default:
			w.d.add(heading{3, in.ID})
		}
		w.indicator(in)
	}
}

func (w *writer) indicator(in *consultations.IndicatorReport) {
	f := w.measureFormat(in.Measure)
	fs := fields{
		{w.t("report_measure", nil), w.measureLabel(in) + ": " + w.questionText(in.Question)},
		{w.t("report_value", nil), w.interval(in.Value, f.value)},
		{w.t("report_baseline", nil), f.value(in.Baseline)},
		{w.t("report_target", nil), f.value(in.Target)},
	}
	progress := missing
	if in.Progress != nil {
		progress = w.t("report_progress_value", map[string]any{"Percent": w.pct(*in.Progress / 100)})
	}
	fs = append(fs, field{w.t("report_progress", nil), progress})
	fs = append(fs, field{w.t("report_n", nil), w.count(in.N)})
	margin := missing
	if in.Value != nil {
		margin = "± " + f.margin((in.Value.High-in.Value.Low)/2)
	}
	fs = append(fs, field{w.t("report_margin", nil), margin})
	w.d.add(fs)

	if len(in.Waves) < 2 {
		w.d.add(para{w.t("report_single_wave", nil)})
		return
	}
	tb := table{
		head: []string{w.t("report_col_wave", nil), w.t("report_col_date", nil), "n",
			w.t("report_value", nil), w.t("report_col_change", nil), w.t("report_col_significant", nil)},
		right: []bool{false, false, true, true, true, false},
	}
	for _, wp := range in.Waves {
		name := wp.Wave
		if name == "" {
			name = wp.Consultation
		}
		if wp.Current {
			name += " " + w.t("report_current_wave", nil)
		}
		value, change, sig := missing, "", ""
		if wp.Value != nil {
			value = f.value(wp.Value.Value)
		}
		if wp.Change != nil {
			change = f.change(*wp.Change)
			sig = w.t("report_no", nil)
			if wp.Significant {
				sig = w.t("report_yes", nil)
			}
			if wp.PValue != nil {
				sig += " (p = " + Decimal(w.lang, *wp.PValue, 3) + ")"
			}
		}
		tb.rows = append(tb.rows, []string{name, wp.Date.Format("2006-01-02"), w.count(wp.N), value, change, sig})
	}
	w.d.add(tb)
}

// format writes an indicator's numbers in its measure's unit.
type format struct {
	value  func(float64) string // a value, baseline or target
	margin func(float64) string // half the interval
	change func(float64) string // the change between waves
}

// measureFormat: shares as percentages and their differences in points;
// means as they are; NPS from -100 to 100.
func (w *writer) measureFormat(m consultations.Measure) format {
	points := func(x float64) string {
		return w.t("report_points", map[string]any{"Value": Decimal(w.lang, x, 1)})
	}
	signedPoints := func(x float64) string {
		return w.t("report_points", map[string]any{"Value": signed(w.lang, x, 1)})
	}
	switch m {
	case consultations.MeasureMean:
		return format{
			value:  func(x float64) string { return Decimal(w.lang, x, 2) },
			margin: func(x float64) string { return Decimal(w.lang, x, 2) },
			change: func(x float64) string { return signed(w.lang, x, 2) },
		}
	case consultations.MeasureNPS:
		return format{
			value:  func(x float64) string { return signed(w.lang, x*100, 1) },
			margin: func(x float64) string { return points(x * 100) },
			change: func(x float64) string { return signedPoints(x * 100) },
		}
	default:
		return format{
			value:  w.pct,
			margin: func(x float64) string { return points(x * 100) },
			change: func(x float64) string { return signedPoints(x * 100) },
		}
	}
}

// measureLabel says what an indicator measures.
func (w *writer) measureLabel(in *consultations.IndicatorReport) string {
	if in.Measure == consultations.MeasureShare {
		return w.t("report_measure_share", map[string]any{"Option": w.optionText(in.Question, in.Option)})
	}
	return w.t("report_measure_"+string(in.Measure), nil)
}

// participation lays out how many started and finished, how long they
// took, where the others left, and the same by language.
func (w *writer) participation() {
	p := &w.r.Participation
	w.d.add(heading{2, w.t("report_participation", nil)})
	w.d.add(fields{
		{w.t("report_started", nil), w.count(p.Started)},
		{w.t("report_completed", nil), w.count(p.Completed)},
		{w.t("report_completion_rate", nil), w.pct(p.CompletionRate)},
		{w.t("report_median_time", nil), w.median(&p.Funnel)},
	})
	if len(p.Questions) > 0 {
		w.d.add(heading{3, w.t("report_by_question", nil)})
		tb := table{
			head: []string{w.t("report_col_question", nil), w.t("report_col_answered", nil), "%",
				w.t("report_col_stopped", nil), "%"},
			right: []bool{false, true, true, true, true},
		}
		for i, qf := range p.Questions {
			tb.rows = append(tb.rows, []string{itoa(i+1) + ". " + qf.Question,
				w.count(qf.Answered), w.pct(qf.AnsweredShare), w.count(qf.Stopped), w.pct(qf.StoppedShare)})
		}
		w.d.add(tb)
	}
	if len(p.Languages) > 0 {
		w.d.add(heading{3, w.t("report_by_language", nil)})
		tb := table{
			head: []string{w.t("report_col_language", nil), w.t("report_started", nil),
				w.t("report_completed", nil), w.t("report_completion_rate", nil), w.t("report_median_time", nil)},
			right: []bool{false, true, true, true, true},
		}
		for _, lf := range p.Languages {
			if lf.Suppressed || lf.Funnel == nil {
				tb.rows = append(tb.rows, []string{lf.Language, Suppressed, "", "", ""})
				continue
			}
			tb.rows = append(tb.rows, []string{lf.Language, w.count(lf.Started), w.count(lf.Completed),
				w.pct(lf.CompletionRate), w.median(lf.Funnel)})
		}
		w.d.add(tb)
	}
}

func (w *writer) median(f *consultations.Funnel) string {
	if f.MedianSeconds == nil {
		return missing
	}
	return duration(*f.MedianSeconds, f.MedianOverLimit)
}

// questionSections lays out each question's answers.
func (w *writer) questionSections() {
	w.d.add(heading{2, w.t("report_questions", nil)})
	for i := range w.r.Questions {
		q := &w.r.Questions[i]
		w.d.add(heading{3, itoa(i+1) + ". " + w.text(q.Text)})
		n := 0
		if q.Summary != nil {
			n = q.N
		}
		w.d.add(para{q.ID + " · " + w.t("report_kind_"+string(q.Kind), nil) + " · n = " + w.count(n)})
		if q.Summary == nil || q.N == 0 {
			w.d.add(para{w.t("report_no_answers", nil)})
			continue
		}
		switch q.Kind {
		case consultations.KindSingle, consultations.KindMultiple:
			w.d.add(w.distribution(q, w.t("report_col_option", nil)))
			if q.Kind == consultations.KindMultiple {
				w.d.add(para{w.t("report_multiple_note", nil)})
			}
		case consultations.KindSatisfaction:
			w.d.add(w.distribution(q, w.t("report_value", nil)))
			w.d.add(fields{
				{w.t("report_mean", nil), w.interval(q.Mean, w.dec2)},
				{w.t("report_sd", nil), w.sd(q.SD)},
				{w.t("report_top2", nil), w.interval(q.Top2Box, w.pct)},
				{w.t("report_bottom2", nil), w.interval(q.Bottom2Box, w.pct)},
			})
		case consultations.KindScale:
			w.d.add(w.distribution(q, w.t("report_value", nil)))
			w.d.add(fields{
				{w.t("report_mean", nil), w.interval(q.Mean, w.dec2)},
				{w.t("report_sd", nil), w.sd(q.SD)},
				{w.t("report_nps", nil), w.interval(q.NPS, w.nps)},
			})
		case consultations.KindText:
			w.d.add(para{w.tr.N(w.lang, "report_text_count", q.N, nil)})
			fs := fields{}
			if len(q.Terms) > 0 {
				fs = append(fs, field{w.t("report_terms", nil), w.terms(q.Terms)})
			}
			if len(q.Phrases) > 0 {
				fs = append(fs, field{w.t("report_phrases", nil), w.terms(q.Phrases)})
			}
			if len(fs) > 0 {
				w.d.add(fs)
			}
			if len(q.Quotes) > 0 {
				qs := q.Quotes[:min(len(q.Quotes), consultations.ReportQuotes)]
				w.d.add(para{w.t("report_quotes", nil)}, quotes(qs))
			}
		}
	}
}

func (w *writer) dec2(x float64) string { return Decimal(w.lang, x, 2) }

func (w *writer) nps(x float64) string { return signed(w.lang, x*100, 1) }

func (w *writer) sd(sd *float64) string {
	if sd == nil {
		return missing
	}
	return Decimal(w.lang, *sd, 2)
}

// distribution is a table of a question's options or values with their
// respondents and shares.
func (w *writer) distribution(q *consultations.QuestionStats, first string) table {
	tb := table{
		head:  []string{first, w.t("report_col_count", nil), "%"},
		right: []bool{q.Kind == consultations.KindSatisfaction || q.Kind == consultations.KindScale, true, true},
	}
	for _, s := range q.Distribution {
		label := s.Option
		if s.Value != nil {
			label = itoa(*s.Value)
		} else if t := w.text(s.Text); t != "" {
			label = t
		}
		tb.rows = append(tb.rows, []string{label, w.count(s.Count), w.pct(s.Share)})
	}
	return tb
}

func (w *writer) terms(ts []consultations.TermFreq) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Term + " (" + w.count(t.Count) + ")"
	}
	return strings.Join(parts, ", ")
}

// breakdowns lays out, for each demographic question, the indicators and
// the other questions in each of its groups. A suppressed group or value
// shows "<5" and nothing else.
func (w *writer) breakdowns() {
	if len(w.r.Breakdowns) == 0 {
		return
	}
	w.d.add(heading{2, w.t("report_breakdowns", nil)})
	w.d.add(para{w.t("report_suppressed_note", map[string]any{"Min": w.r.MinCell})})
	for _, b := range w.r.Breakdowns {
		w.d.add(heading{3, w.t("report_breakdown_by", map[string]any{"Question": w.questionText(b.Question)})})
		w.breakdownIndicators(b)
		for _, id := range w.cellQuestions(b) {
			w.breakdownQuestion(b, id)
		}
	}
}

// group is the label of a breakdown cell and its first columns: the
// group's name and its respondents, or "<5" and nothing else.
func (w *writer) group(b consultations.Breakdown, c consultations.BreakdownCell) []string {
	name := w.optionText(b.Question, c.Option)
	if c.Suppressed || c.CellValues == nil {
		return []string{name, Suppressed}
	}
	return []string{name, w.count(c.N)}
}

// breakdownIndicators is a table of the indicators in each group.
func (w *writer) breakdownIndicators(b consultations.Breakdown) {
	var ids []string
	for _, in := range w.r.Indicators {
		for _, c := range b.Cells {
			if c.CellValues != nil && cellIndicator(c.CellValues, in.ID) != nil {
				ids = append(ids, in.ID)
				break
			}
		}
	}
	tb := table{head: []string{w.t("report_col_group", nil), "n"}, right: []bool{false, true}}
	for _, id := range ids {
		tb.head = append(tb.head, id)
		tb.right = append(tb.right, true)
	}
	for _, c := range b.Cells {
		row := w.group(b, c)
		if !c.Suppressed && c.CellValues != nil {
			for _, id := range ids {
				row = append(row, w.cellIndicatorValue(cellIndicator(c.CellValues, id)))
			}
		}
		tb.rows = append(tb.rows, fill(row, len(tb.head)))
	}
	w.d.add(tb)
}

func cellIndicator(cv *consultations.CellValues, id string) *consultations.CellIndicator {
	for i := range cv.Indicators {
		if cv.Indicators[i].ID == id {
			return &cv.Indicators[i]
		}
	}
	return nil
}

func (w *writer) cellIndicatorValue(ci *consultations.CellIndicator) string {
	switch {
	case ci == nil:
		return ""
	case ci.Suppressed || ci.Measurement == nil:
		return Suppressed
	case ci.Value == nil:
		return missing
	}
	var m consultations.Measure
	for _, in := range w.r.Indicators {
		if in.ID == ci.ID {
			m = in.Measure
		}
	}
	return w.measureFormat(m).value(ci.Value.Value) + " (n = " + w.count(ci.N) + ")"
}

// cellQuestions are the questions the cells of b show, in report order.
func (w *writer) cellQuestions(b consultations.Breakdown) []string {
	seen := map[string]bool{}
	for _, c := range b.Cells {
		if c.CellValues != nil {
			for _, q := range c.Questions {
				seen[q.ID] = true
			}
		}
	}
	var ids []string
	for _, q := range w.r.Questions {
		if seen[q.ID] {
			ids = append(ids, q.ID)
		}
	}
	return ids
}

// breakdownQuestion is a table of one question's main figures in each
// group of b.
func (w *writer) breakdownQuestion(b consultations.Breakdown, id string) {
	q := w.questions[id]
	if q == nil {
		return
	}
	tb := table{head: []string{w.t("report_col_group", nil), "n"}, right: []bool{false, true}}
	switch q.Kind {
	case consultations.KindSingle, consultations.KindMultiple:
		if q.Summary != nil {
			for _, s := range q.Distribution {
				tb.head = append(tb.head, w.optionText(id, s.Option))
				tb.right = append(tb.right, true)
			}
		}
	case consultations.KindSatisfaction:
		tb.head = append(tb.head, w.t("report_mean", nil), w.t("report_top2", nil))
		tb.right = append(tb.right, true, true)
	case consultations.KindScale:
		tb.head = append(tb.head, w.t("report_mean", nil), w.t("report_nps", nil))
		tb.right = append(tb.right, true, true)
	default:
		return
	}
	for _, c := range b.Cells {
		row := w.group(b, c)
		if !c.Suppressed && c.CellValues != nil {
			row = row[:1]
			qs := cellQuestion(c.CellValues, id)
			switch {
			case qs == nil:
			case qs.Suppressed || qs.Summary == nil:
				row = append(row, Suppressed)
			default:
				row = append(row, w.count(qs.N))
				row = append(row, w.cellFigures(q, qs)...)
			}
		}
		tb.rows = append(tb.rows, fill(row, len(tb.head)))
	}
	w.d.add(para{w.questionText(id)}, tb)
}

func cellQuestion(cv *consultations.CellValues, id string) *consultations.QuestionStats {
	for i := range cv.Questions {
		if cv.Questions[i].ID == id {
			return &cv.Questions[i]
		}
	}
	return nil
}

// cellFigures are the columns of a question in a group that is shown.
func (w *writer) cellFigures(q, qs *consultations.QuestionStats) []string {
	var out []string
	switch q.Kind {
	case consultations.KindSingle, consultations.KindMultiple:
		if q.Summary == nil {
			return nil
		}
		for _, s := range q.Distribution {
			v := missing
			for _, cs := range qs.Distribution {
				if cs.Option == s.Option {
					v = w.pct(cs.Share)
				}
			}
			out = append(out, v)
		}
	case consultations.KindSatisfaction:
		out = append(out, w.estimate(qs.Mean, w.dec2), w.estimate(qs.Top2Box, w.pct))
	case consultations.KindScale:
		out = append(out, w.estimate(qs.Mean, w.dec2), w.estimate(qs.NPS, w.nps))
	}
	return out
}

func (w *writer) estimate(e *consultations.Estimate, f func(float64) string) string {
	if e == nil || math.IsNaN(e.Value) {
		return missing
	}
	return f(e.Value)
}

// fill pads a row with empty cells to n columns.
func fill(row []string, n int) []string {
	for len(row) < n {
		row = append(row, "")
	}
	return row[:n]
}
