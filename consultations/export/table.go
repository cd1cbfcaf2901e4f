package export

import (
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// kind is what a cell holds, so that each format writes numbers as
// numbers and times as times.
type kind uint8

const (
	empty kind = iota
	text
	number
	moment
)

// cell is one value of a row, before a format writes it.
type cell struct {
	kind kind
	s    string
	n    int
	t    time.Time
}

func str(s string) cell { return cell{kind: text, s: s} }
func num(n int) cell    { return cell{kind: number, n: n} }

// at is a time cell, empty when t is zero.
func at(t time.Time) cell {
	if t.IsZero() {
		return cell{}
	}
	return cell{kind: moment, t: t.UTC()}
}

// column is one column of the wide layout: a metadata column, a
// question's, or one option of a multiple question.
type column struct {
	name     string
	question *consultations.Question // nil for metadata
	option   string                  // multiple: the option this 0/1 column stands for
	kind     kind                    // what the column holds, for widths and styles
}

// The metadata columns, in both layouts.
const (
	colParticipant = "participant"
	colLanguage    = "language"
	colStarted     = "started"
	colCompleted   = "completed"
	colSeconds     = "seconds"
	colWave        = "wave"
	colQuestion    = "question"
	colOption      = "option"
	colValue       = "value"
)

// table turns responses into rows of cells in one layout. It keeps one
// row, reused from one response to the next.
type table struct {
	c       *consultations.Consultation
	opts    Options
	columns []column
	row     []cell
}

func newTable(c *consultations.Consultation, opts Options) *table {
	t := &table{c: c, opts: opts}
	if opts.Layout == LayoutLong {
		t.columns = []column{
			{name: colParticipant, kind: text},
			{name: colLanguage, kind: text},
			{name: colWave, kind: text},
			{name: colQuestion, kind: text},
			{name: colOption, kind: text},
			{name: colValue, kind: text},
		}
	} else {
		t.columns = []column{
			{name: colParticipant, kind: text},
			{name: colLanguage, kind: text},
			{name: colStarted, kind: moment},
			{name: colCompleted, kind: moment},
			{name: colSeconds, kind: number},
			{name: colWave, kind: text},
		}
		for i := range c.Questions {
			t.columns = append(t.columns, questionColumns(&c.Questions[i], opts)...)
		}
	}
	t.row = make([]cell, len(t.columns))
	return t
}

// questionColumns are the wide layout's columns for q: none for a redacted
// or unknown kind, one per option for a multiple question, one otherwise.
func questionColumns(q *consultations.Question, opts Options) []column {
	switch q.Kind {
	case consultations.KindSingle:
		return []column{{name: q.ID, question: q, kind: text}}
	case consultations.KindSatisfaction, consultations.KindScale:
		return []column{{name: q.ID, question: q, kind: number}}
	case consultations.KindText:
		if opts.RedactText {
			return nil
		}
		return []column{{name: q.ID, question: q, kind: text}}
	case consultations.KindMultiple:
		cols := make([]column, len(q.Options))
		for i, o := range q.Options {
			cols[i] = column{name: q.ID + "_" + o.ID, question: q, option: o.ID, kind: number}
		}
		return cols
	}
	return nil
}

// header is the first row.
func (t *table) header() []cell {
	h := make([]cell, len(t.columns))
	for i, col := range t.columns {
		h[i] = str(col.name)
	}
	return h
}

// wide fills the row for r in the wide layout and returns it.
func (t *table) wide(r *consultations.Response) []cell {
	row := t.row
	row[0] = str(r.Participant)
	row[1] = str(r.Language)
	row[2] = at(r.Started)
	row[3] = at(r.Completed)
	row[4] = cell{}
	if secs, timed := r.Seconds(); timed {
		row[4] = num(secs)
	}
	row[5] = str(t.c.Wave)
	for i := 6; i < len(t.columns); i++ {
		col := &t.columns[i]
		q := col.question
		a, ok := r.Answers[q.ID]
		row[i] = cell{}
		if !ok {
			continue
		}
		switch q.Kind {
		case consultations.KindSingle:
			if len(a.Choices) > 0 {
				row[i] = str(a.Choices[0])
			}
		case consultations.KindSatisfaction, consultations.KindScale:
			row[i] = num(a.Number)
		case consultations.KindText:
			row[i] = str(a.Text)
		case consultations.KindMultiple:
			row[i] = num(0)
			for _, ch := range a.Choices {
				if ch == col.option {
					row[i] = num(1)
					break
				}
			}
		}
	}
	return row
}

// long calls emit with one row per answer of r (per chosen option of a
// single or multiple question), in the order of the consultation's
// questions, stopping at the first error.
func (t *table) long(r *consultations.Response, emit func([]cell) error) error {
	row := t.row
	row[0] = str(r.Participant)
	row[1] = str(r.Language)
	row[2] = str(t.c.Wave)
	for i := range t.c.Questions {
		q := &t.c.Questions[i]
		a, ok := r.Answers[q.ID]
		if !ok {
			continue
		}
		row[3] = str(q.ID)
		row[4], row[5] = cell{}, cell{}
		switch q.Kind {
		case consultations.KindSingle, consultations.KindMultiple:
			choices := a.Choices
			if q.Kind == consultations.KindSingle && len(choices) > 1 {
				choices = choices[:1]
			}
			for _, ch := range choices {
				row[4] = str(ch)
				if err := emit(row); err != nil {
					return err
				}
			}
			continue
		case consultations.KindSatisfaction, consultations.KindScale:
			row[5] = num(a.Number)
		case consultations.KindText:
			if t.opts.RedactText {
				continue
			}
			row[5] = str(a.Text)
		default:
			continue
		}
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// widths are sensible spreadsheet column widths, in characters.
func (t *table) widths() []float64 {
	w := make([]float64, len(t.columns))
	for i, col := range t.columns {
		n := float64(len(col.name)) + 2
		switch {
		case col.kind == moment:
			n = max(n, 20)
		case col.name == colParticipant:
			n = max(n, 24)
		case col.question != nil && col.question.Kind == consultations.KindText, col.name == colValue:
			n = max(n, 50)
		case col.kind == text:
			n = max(n, 12)
		default:
			n = max(n, 8)
		}
		w[i] = min(n, 60)
	}
	return w
}
