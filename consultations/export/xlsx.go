package export

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/parlabot/parlabot/consultations"
)

// The sheets of an XLSX export.
const (
	SheetResponses = "responses"
	SheetCodebook  = "codebook"
)

// sheetRows is how many rows a sheet holds, its header row included: the
// limit of the XLSX format (and of Excel and LibreOffice). The responses
// go on to further sheets past it. A variable so that tests can lower it.
var sheetRows = 1 << 20

// dateFormat is how times show in XLSX cells (they are stored as dates, in
// UTC).
const dateFormat = "yyyy-mm-dd hh:mm:ss"

// xlsxWriter streams an export into an XLSX workbook through excelize's
// StreamWriter, which spills to a temporary file rather than growing in
// memory; the workbook is assembled and written straight to w on Close.
//
// Write turns a response into rows of cells, which hold no reference to
// it, and queues them; a goroutine of the writer's own hands them to
// excelize, the most costly part, while the caller reads the next
// responses.
type xlsxWriter struct {
	w      io.Writer
	c      *consultations.Consultation
	t      *table
	f      *excelize.File
	closed bool

	// The caller's side: the batch being filled and the way to the
	// goroutine.
	batch  *rowBatch
	emit   func([]cell) error // x.queue, made a func value once
	work   chan *rowBatch     // to the goroutine
	free   chan *rowBatch     // back from it
	done   chan struct{}      // closed when the goroutine has written every row
	failed atomic.Pointer[error]

	// The goroutine's side, once it has started.
	sw     *excelize.StreamWriter // the responses sheet being written
	sheets int                    // how many responses sheets there are
	date   int                    // style id of time cells
	bold   int                    // style id of header cells
	rowNum int                    // the last row written on the current sheet, the header being row 1
	vals   []any                  // the row being written, reused
	err    error                  // the first error writing a row
}

// rowBatch is rows of cells on their way to the goroutine that writes
// them, back to back in one slice.
type rowBatch struct {
	cells []cell
	rows  int
}

// xlsxBatchRows is how many rows go to the writing goroutine at once, and
// xlsxBatches how many batches there are, in flight or being filled.
const (
	xlsxBatchRows = 256
	xlsxBatches   = 4
)

var _ Writer = (*xlsxWriter)(nil)

// NewXLSX returns a Writer of c's responses to w as an XLSX workbook: a
// sheet "responses" with a frozen header row, numbers as numbers and times
// as dates, and a sheet "codebook". Rows that do not fit on one sheet
// (1,048,575 of them, besides the header) go on to sheets "responses 2",
// "responses 3" and so on, each with the same header, before the codebook.
// Nothing reaches w before Close, which must be called even after an error:
// it stops the writer's goroutine and removes excelize's temporary files.
func NewXLSX(w io.Writer, c *consultations.Consultation, opts Options) (Writer, error) {
	opts, err := settle(c, opts)
	if err != nil {
		return nil, err
	}
	x := &xlsxWriter{w: w, c: c, t: newTable(c, opts), f: excelize.NewFile()}
	// excelize assembles the zip in a memory buffer it is handed, which
	// would grow with the number of responses: write it to w instead, and
	// compress for speed, on every processor, as the sheet data are large
	// and repetitive.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return newParallelDeflate(out), nil
		})
		return zw
	})
	if err := x.start(); err != nil {
		_ = x.f.Close()
		return nil, fmt.Errorf("start xlsx export: %w", err)
	}
	width := len(x.t.columns)
	x.work, x.free, x.done = make(chan *rowBatch, xlsxBatches), make(chan *rowBatch, xlsxBatches), make(chan struct{})
	for range xlsxBatches - 1 {
		x.free <- &rowBatch{cells: make([]cell, 0, xlsxBatchRows*width)}
	}
	x.batch = &rowBatch{cells: make([]cell, 0, xlsxBatchRows*width)}
	x.emit = x.queue
	go x.writeRows()
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
	return x.nextSheet()
}

// nextSheet finishes the responses sheet being written, if any, and starts
// the next one with the header row.
func (x *xlsxWriter) nextSheet() error {
	name := SheetResponses
	if x.sheets > 0 {
		if err := x.sw.Flush(); err != nil {
			return fmt.Errorf("flush xlsx sheet %q: %w", x.sheetName(), err)
		}
		name = SheetResponses + " " + strconv.Itoa(x.sheets+1)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.newSheet(name, x.t.widths())
	if err != nil {
		return err
	}
	x.sw, x.sheets, x.rowNum = sw, x.sheets+1, 1
	return x.writeHeader(sw, x.t.header())
}

// sheetName is the name of the responses sheet being written.
func (x *xlsxWriter) sheetName() string {
	if x.sheets <= 1 {
		return SheetResponses
	}
	return SheetResponses + " " + strconv.Itoa(x.sheets)
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

// Write queues r's rows. An error writing an earlier row may be returned
// here rather than by the Write of its response; Close returns it too.
func (x *xlsxWriter) Write(r *consultations.Response) error {
	if x.closed {
		return consultations.Errorf(consultations.EINVALID, "write to a closed xlsx export")
	}
	if err := checkResponse(x.c, r); err != nil {
		return err
	}
	if err := x.failed.Load(); err != nil {
		return *err
	}
	if x.t.opts.Layout == LayoutLong {
		return x.t.long(r, x.emit)
	}
	return x.queue(x.t.wide(r))
}

// queue copies row into the batch being filled, and passes the batch on to
// the writing goroutine when it is full.
func (x *xlsxWriter) queue(row []cell) error {
	b := x.batch
	b.cells = append(b.cells, row...)
	if b.rows++; b.rows == xlsxBatchRows {
		x.work <- b
		x.batch = <-x.free
	}
	return nil
}

// writeRows is the writing goroutine: it writes the rows of each batch it
// receives, until the work channel is closed. After an error it only
// takes the batches, so that the caller never waits for it.
func (x *xlsxWriter) writeRows() {
	defer close(x.done)
	width := len(x.t.columns)
	for b := range x.work {
		for i := 0; i < b.rows && x.err == nil; i++ {
			if x.err = x.writeRow(b.cells[i*width : (i+1)*width]); x.err != nil {
				x.failed.Store(&x.err)
			}
		}
		clear(b.cells) // no strings kept alive
		b.cells, b.rows = b.cells[:0], 0
		x.free <- b
	}
}

func (x *xlsxWriter) writeRow(row []cell) error {
	if x.rowNum >= sheetRows {
		if err := x.nextSheet(); err != nil {
			return fmt.Errorf("start xlsx sheet %d: %w", x.sheets+1, err)
		}
	}
	x.rowNum++
	x.vals = x.values(x.vals[:0], row)
	if err := x.sw.SetRow("A"+strconv.Itoa(x.rowNum), x.vals); err != nil {
		return fmt.Errorf("write xlsx row %d of sheet %q: %w", x.rowNum, x.sheetName(), err)
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

// Close writes the rows still queued, adds the codebook sheet and writes
// the workbook to w.
func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	defer x.f.Close()
	if x.batch.rows > 0 {
		x.work <- x.batch
	}
	close(x.work)
	<-x.done
	if x.err != nil {
		return x.err
	}
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("flush xlsx sheet %q: %w", x.sheetName(), err)
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

// deflateBlockSize is how much a parallelDeflate compresses at a time, and
// maxDeflating how many blocks at most at once.
const (
	deflateBlockSize = 1 << 20
	maxDeflating     = 4
)

// parallelDeflate is a deflate compressor (flate.BestSpeed) that
// compresses a block at a time on every processor, as pigz does: each
// block is compressed on its own and ends on a byte boundary (a sync
// flush), so the compressed blocks, written in order, make one deflate
// stream, which Close ends with an empty final block. Assembling an XLSX
// workbook is mostly compressing its sheets, once every row is written;
// this divides that time by the number of processors (up to maxDeflating),
// for a file barely larger (0.2% for a million responses), with a few
// blocks in memory.
type parallelDeflate struct {
	out     io.Writer
	block   []byte          // being filled
	pending []*deflateBlock // being compressed, in order
	free    []*deflateBlock
	err     error
}

// deflateBlock is a block of input and its compressed form.
type deflateBlock struct {
	in   []byte
	out  bytes.Buffer
	err  error
	done chan struct{}
}

// deflaters are reused compressors: each holds a few hundred kilobytes.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
	return w
}}

func newParallelDeflate(out io.Writer) *parallelDeflate {
	return &parallelDeflate{out: out}
}

func (z *parallelDeflate) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && z.err == nil {
		k := min(len(p), deflateBlockSize-len(z.block))
		z.block, p = append(z.block, p[:k]...), p[k:]
		if len(z.block) == deflateBlockSize {
			z.submit()
		}
	}
	if z.err != nil {
		return n - len(p), z.err
	}
	return n, nil
}

// submit starts compressing the block filled so far, after writing out
// the oldest blocks if too many are pending.
func (z *parallelDeflate) submit() {
	for len(z.pending) >= min(runtime.GOMAXPROCS(0), maxDeflating) && z.err == nil {
		z.writeOldest()
	}
	var b *deflateBlock
	if n := len(z.free); n > 0 {
		b, z.free = z.free[n-1], z.free[:n-1]
	} else {
		b = &deflateBlock{done: make(chan struct{}, 1)}
	}
	b.in, z.block = z.block, b.in[:0]
	z.pending = append(z.pending, b)
	go b.compress()
}

func (b *deflateBlock) compress() {
	b.out.Reset()
	fw := deflaters.Get().(*flate.Writer)
	fw.Reset(&b.out)
	_, b.err = fw.Write(b.in)
	if b.err == nil {
		b.err = fw.Flush()
	}
	deflaters.Put(fw)
	b.done <- struct{}{}
}

// writeOldest waits for the oldest pending block and writes it out.
func (z *parallelDeflate) writeOldest() {
	b := z.pending[0]
	<-b.done
	z.pending = z.pending[1:]
	if z.err == nil {
		z.err = b.err
	}
	if z.err == nil {
		_, z.err = b.out.WriteTo(z.out)
	}
	z.free = append(z.free, b)
}

// Close writes out what is left and ends the stream. It does not close
// the underlying writer.
func (z *parallelDeflate) Close() error {
	if len(z.block) > 0 && z.err == nil {
		z.submit()
	}
	for len(z.pending) > 0 {
		z.writeOldest() // waits for every block, even after an error
	}
	if z.err != nil {
		return z.err
	}
	fw := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(fw)
	fw.Reset(z.out)
	return fw.Close() // the final block, empty
}
