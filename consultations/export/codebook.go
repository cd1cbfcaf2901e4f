package export

import (
	"io"
	"strings"

	"github.com/parlabot/parlabot/consultations"
)

// codebook is the codebook of c as rows of cells, header first: a row per
// question, followed by a row per option of it. Codes (question and option
// ids) are stable; labels are in opts.Lang; texts are given in every
// language present. In the wide layout a last column names the columns each
// question (or option) maps to.
func codebook(c *consultations.Consultation, opts Options) [][]cell {
	langs := languages(c)
	header := []string{"question", "kind", "option", "label"}
	for _, l := range langs {
		header = append(header, "text_"+l)
	}
	header = append(header, "when", "optional", "demographic", "max")
	wide := opts.Layout != LayoutLong
	if wide {
		header = append(header, "columns")
	}
	rows := [][]cell{cellsOf(header)}
	flag := func(b bool) cell {
		if b {
			return num(1)
		}
		return num(0)
	}
	texts := func(row []cell, t consultations.Text) []cell {
		for _, l := range langs {
			row = append(row, str(t[l]))
		}
		return row
	}
	for i := range c.Questions {
		q := &c.Questions[i]
		cols := questionColumns(q, opts)
		row := []cell{str(q.ID), str(string(q.Kind)), {}, str(q.Text.In(opts.Lang, c.DefaultLanguage))}
		row = texts(row, q.Text)
		row = append(row, str(condition(q.When)), flag(q.Optional), flag(q.Demographic))
		switch {
		case q.Kind == consultations.KindMultiple && q.Max > 0:
			row = append(row, num(q.Max))
		case q.Kind == consultations.KindText:
			n := q.MaxLength
			if n == 0 {
				n = consultations.DefaultMaxLength
			}
			row = append(row, num(n))
		default:
			row = append(row, cell{})
		}
		if wide {
			names := make([]string, len(cols))
			for k, col := range cols {
				names[k] = col.name
			}
			row = append(row, str(strings.Join(names, " ")))
		}
		rows = append(rows, row)
		for _, o := range q.Options {
			row := []cell{str(q.ID), str("option"), str(o.ID), str(o.Text.In(opts.Lang, c.DefaultLanguage))}
			row = texts(row, o.Text)
			row = append(row, cell{}, cell{}, cell{}, cell{})
			if wide {
				name := ""
				switch q.Kind {
				case consultations.KindMultiple:
					name = q.ID + "_" + o.ID
				case consultations.KindSingle:
					name = q.ID
				}
				row = append(row, str(name))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// condition writes a skip condition as "watched = yes" or
// "region in (north, south)"; nil is "".
func condition(w *consultations.Condition) string {
	switch {
	case w == nil:
		return ""
	case len(w.Is) == 1:
		return w.Question + " = " + w.Is[0]
	default:
		return w.Question + " in (" + strings.Join(w.Is, ", ") + ")"
	}
}

func cellsOf(ss []string) []cell {
	row := make([]cell, len(ss))
	for i, s := range ss {
		row[i] = str(s)
	}
	return row
}

// WriteCodebookCSV writes c's codebook as CSV, the SLUG-codebook.csv an
// analyst finds beside a CSV export written with the same opts.
func WriteCodebookCSV(w io.Writer, c *consultations.Consultation, opts Options) error {
	opts, err := settle(c, opts)
	if err != nil {
		return err
	}
	if opts.Excel {
		if _, err := io.WriteString(w, bom); err != nil {
			return err
		}
	}
	var line []byte
	for _, row := range codebook(c, opts) {
		line = appendCSVRow(line[:0], row)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}
