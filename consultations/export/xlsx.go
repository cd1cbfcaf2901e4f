package export

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/parlabot/parlabot/consultations"
)

// The sheets of an XLSX export.
const (
	SheetResponses = "responses"
	SheetCodebook  = "codebook"
)

// dateFormat is how times show in XLSX cells (they are stored as dates, in
// UTC).
const dateFormat = "yyyy-mm-dd hh:mm:ss"

// xlsxWriter streams an export into an XLSX workbook through excelize's
// StreamWriter, which spills to a temporary file rather than growing in
// memory; the workbook is assembled and written straight to w on Close.
type xlsxWriter struct {
	w      io.Writer
	c      *consultations.Consultation
	t      *table
	f      *excelize.File
	sw     *excelize.StreamWriter
	date   int   // style id of time cells
	bold   int   // style id of header cells
	rowNum int   // the last row written
	vals   []any // the row being written, reused
	emit   func([]cell) error
	closed bool
}

var _ Writer = (*xlsxWriter)(nil)

// NewXLSX returns a Writer of c's responses to w as an XLSX workbook: a
// sheet "responses" with a frozen header row, numbers as numbers and times
// as dates, and a sheet "codebook". Nothing reaches w before Close.
func NewXLSX(w io.Writer, c *consultations.Consultation, opts Options) (Writer, error) {
	opts, err := settle(c, opts)
	if err != nil {
		return nil, err
	}
	x := &xlsxWriter{w: w, c: c, t: newTable(c, opts), f: excelize.NewFile()}
	// excelize assembles the zip in a memory buffer it is handed, which
	// would grow with the number of responses: write it to w instead, and
	// compress for speed, as the sheet data are large and repetitive.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	x.emit = x.writeRow
	if err := x.start(); err != nil {
		_ = x.f.Close()
		return nil, fmt.Errorf("start xlsx export: %w", err)
	}
	return x, nil
}

func (x *xlsxWriter) start() error {
	var err error
	if err = x.f.SetSheetName(x.f.GetSheetName(0), SheetResponses); err != nil {
		return err
	}
	if x.date, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: ptr(dateFormat)}); err != nil {
		return err
	}
	if x.bold, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	if x.sw, err = x.newSheet(SheetResponses, x.t.widths()); err != nil {
		return err
	}
	return x.writeHeader(x.sw, x.t.header())
}

// newSheet opens a stream writer on sheet, with the given column widths
// and a frozen first row.
func (x *xlsxWriter) newSheet(sheet string, widths []float64) (*excelize.StreamWriter, error) {
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	err = sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	})
	return sw, err
}

func (x *xlsxWriter) writeHeader(sw *excelize.StreamWriter, row []cell) error {
	vals := make([]any, len(row))
	for i, c := range row {
		vals[i] = excelize.Cell{StyleID: x.bold, Value: Defuse(c.s)}
	}
	return sw.SetRow("A1", vals)
}

func (x *xlsxWriter) Write(r *consultations.Response) error {
	if x.closed {
		return consultations.Errorf(consultations.EINVALID, "write to a closed xlsx export")
	}
	if err := checkResponse(x.c, r); err != nil {
		return err
	}
	if x.t.opts.Layout == LayoutLong {
		return x.t.long(r, x.emit)
	}
	return x.writeRow(x.t.wide(r))
}

func (x *xlsxWriter) writeRow(row []cell) error {
	x.rowNum++
	x.vals = x.values(x.vals[:0], row)
	if err := x.sw.SetRow("A"+strconv.Itoa(x.rowNum+1), x.vals); err != nil {
		return fmt.Errorf("write xlsx row %d: %w", x.rowNum+1, err)
	}
	return nil
}

// values appends row's cells to vals as excelize values: nil for empty,
// int for numbers, a dated cell for times, a defused string for text.
func (x *xlsxWriter) values(vals []any, row []cell) []any {
	for _, c := range row {
		switch c.kind {
		case text:
			vals = append(vals, Defuse(c.s))
		case number:
			vals = append(vals, c.n)
		case moment:
			vals = append(vals, excelize.Cell{StyleID: x.date, Value: serial(c.t)})
		default:
			vals = append(vals, nil)
		}
	}
	return vals
}

// Close adds the codebook sheet and writes the workbook to w.
func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("flush xlsx responses: %w", err)
	}
	if err := x.writeCodebook(); err != nil {
		return fmt.Errorf("write xlsx codebook: %w", err)
	}
	x.f.SetActiveSheet(0)
	if _, err := x.f.WriteTo(x.w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

func (x *xlsxWriter) writeCodebook() error {
	if _, err := x.f.NewSheet(SheetCodebook); err != nil {
		return err
	}
	rows := codebook(x.c, x.t.opts)
	widths := make([]float64, len(rows[0]))
	for i, h := range rows[0] {
		widths[i] = 12
		switch {
		case h.s == "label" || len(h.s) > 5 && h.s[:5] == "text_":
			widths[i] = 50
		case h.s == "when" || h.s == "columns":
			widths[i] = 30
		}
	}
	sw, err := x.newSheet(SheetCodebook, widths)
	if err != nil {
		return err
	}
	if err := x.writeHeader(sw, rows[0]); err != nil {
		return err
	}
	var vals []any
	for i, row := range rows[1:] {
		vals = x.values(vals[:0], row)
		if err := sw.SetRow("A"+strconv.Itoa(i+2), vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// excelEpoch is day 0 of spreadsheet dates (1900 date system, with its
// leap-year bug already accounted for).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serial is t as a spreadsheet date: days since excelEpoch. It is what
// excelize computes for a time.Time, without looking the workbook up for
// every cell.
func serial(t time.Time) float64 {
	return float64(t.Sub(excelEpoch).Milliseconds()) / (24 * 60 * 60 * 1000)
}

func ptr[T any](v T) *T { return &v }
