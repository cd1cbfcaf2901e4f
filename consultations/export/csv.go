package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// bom is the UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
const bom = "\ufeff"

// csvWriter writes an export as RFC 4180 CSV with CRLF line ends.
type csvWriter struct {
	c    *consultations.Consultation
	t    *table
	cw   *csv.Writer
	rec  []string // the record being written, reused
	emit func([]cell) error
}

var _ Writer = (*csvWriter)(nil)

// NewCSV returns a Writer of c's responses to w as CSV, header first. Times
// are RFC 3339 in UTC; text cells a spreadsheet would run as a formula are
// defused with a leading '.
func NewCSV(w io.Writer, c *consultations.Consultation, opts Options) (Writer, error) {
	opts, err := settle(c, opts)
	if err != nil {
		return nil, err
	}
	if opts.Excel {
		if _, err := io.WriteString(w, bom); err != nil {
			return nil, err
		}
	}
	x := &csvWriter{c: c, t: newTable(c, opts), cw: csv.NewWriter(w)}
	x.cw.UseCRLF = true
	x.emit = x.writeRow
	if err := x.writeRow(x.t.header()); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *csvWriter) Write(r *consultations.Response) error {
	if err := checkResponse(x.c, r); err != nil {
		return err
	}
	if x.t.opts.Layout == LayoutLong {
		return x.t.long(r, x.emit)
	}
	return x.writeRow(x.t.wide(r))
}

func (x *csvWriter) writeRow(row []cell) error {
	x.rec = csvRecord(x.rec[:0], row)
	return x.cw.Write(x.rec)
}

// Close flushes what is buffered.
func (x *csvWriter) Close() error {
	x.cw.Flush()
	return x.cw.Error()
}

// csvRecord appends row's cells to rec as CSV fields.
func csvRecord(rec []string, row []cell) []string {
	for _, c := range row {
		switch c.kind {
		case text:
			rec = append(rec, Defuse(c.s))
		case number:
			rec = append(rec, strconv.Itoa(c.n))
		case moment:
			rec = append(rec, c.t.Format(time.RFC3339))
		default:
			rec = append(rec, "")
		}
	}
	return rec
}
