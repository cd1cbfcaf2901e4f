package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parlabot/parlabot/consultations"
)

// bom is the UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
const bom = "\ufeff"

// csvWriter writes an export as RFC 4180 CSV with CRLF line ends, quoting
// fields as encoding/csv does, but formatting each row straight into one
// reused buffer: three times as fast as building a []string record for a
// csv.Writer (BenchmarkCSV).
type csvWriter struct {
	c    *consultations.Consultation
	t    *table
	w    *bufio.Writer
	line []byte // the row being written, reused
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
	x := &csvWriter{c: c, t: newTable(c, opts), w: bufio.NewWriter(w)}
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
	x.line = appendCSVRow(x.line[:0], row)
	_, err := x.w.Write(x.line)
	return err
}

// appendCSVRow appends row to b as a CSV line ending in CRLF, its text
// defused (see Defuse).
func appendCSVRow(b []byte, row []cell) []byte {
	for i, c := range row {
		if i > 0 {
			b = append(b, ',')
		}
		switch c.kind {
		case text:
			b = appendCSVField(b, Defuse(c.s))
		case number:
			b = strconv.AppendInt(b, int64(c.n), 10)
		case moment:
			b = appendCSVTime(b, c.t)
		}
	}
	return append(b, '\r', '\n')
}

// appendCSVField appends s to b as a CSV field, as a csv.Writer with
// UseCRLF writes it: quoted when csvNeedsQuotes says so, quotes doubled,
// line feeds as CRLF and other carriage returns dropped.
func appendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b = append(b, '"', '"')
		case '\r':
		case '\n':
			b = append(b, '\r', '\n')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// csvNeedsQuotes is csv.Writer's rule for a comma-separated field: it
// holds a comma, a quote or a line break, begins with a space, or is \.
// (an end of data to some databases' import).
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` || strings.ContainsAny(s, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// Close flushes what is buffered.
func (x *csvWriter) Close() error {
	return x.w.Flush()
}

// csvTime is how times are written in CSV: in UTC, as "2026-12-03
// 13:15:00", which LibreOffice, Excel, R and pandas all read as a date and
// time (LibreOffice reads RFC 3339's "T…Z" form as text).
const csvTime = time.DateTime

// appendCSVTime appends t as csvTime does, without the general formatter,
// which costs a tenth of a wide row.
func appendCSVTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, csvTime)
	}
	pad := func(b []byte, n, width int) []byte {
		var d [4]byte
		for i := width - 1; i >= 0; i-- {
			d[i] = byte('0' + n%10)
			n /= 10
		}
		return append(b, d[:width]...)
	}
	b = pad(b, year, 4)
	b = append(b, '-')
	b = pad(b, int(month), 2)
	b = append(b, '-')
	b = pad(b, day, 2)
	b = append(b, ' ')
	b = pad(b, hour, 2)
	b = append(b, ':')
	b = pad(b, min, 2)
	b = append(b, ':')
	return pad(b, sec, 2)
}
