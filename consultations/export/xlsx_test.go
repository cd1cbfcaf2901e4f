package export

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/parlabot/parlabot/consultations"
)

func writeXLSX(t *testing.T, c *consultations.Consultation, opts Options, rs []*consultations.Response) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewXLSX(&buf, c, opts)
	if err != nil {
		t.Fatalf("NewXLSX: %v", err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write(%s): %v", r.Participant, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize.OpenReader: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestXLSXWide(t *testing.T) {
	c := reference(t)
	rs := sample()
	f := writeXLSX(t, c, Options{}, rs)
	if got, want := f.GetSheetList(), []string{SheetResponses, SheetCodebook}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	rows, err := f.GetRows(SheetResponses, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), len(rs)+1; got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	header := parseCSV(t, writeCSV(t, c, Options{}, nil))[0]
	if !reflect.DeepEqual(rows[0], header) {
		t.Errorf("header = %q, want %q", rows[0], header)
	}
	for i, r := range rs {
		want := wantWide(c, r, false)
		got := rows[i+1]
		for len(got) < len(want) {
			got = append(got, "") // GetRows trims empty cells at the end of a row
		}
		for k := range want {
			cellName, _ := excelize.CoordinatesToCellName(k+1, i+2)
			switch header[k] {
			case colStarted, colCompleted:
				checkDate(t, f, cellName, got[k], want[k])
				continue
			}
			if got[k] != want[k] {
				t.Errorf("%s (%s of %s) = %q, want %q", cellName, header[k], r.Participant, got[k], want[k])
			}
			if want[k] == "" {
				continue
			}
			_, numErr := strconv.Atoi(want[k])
			isNumber := numErr == nil && header[k] != colParticipant
			typ, err := f.GetCellType(SheetResponses, cellName)
			if err != nil {
				t.Fatal(err)
			}
			gotNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
			if gotNumber != isNumber {
				t.Errorf("%s (%s = %q) has type %v; number: %v, want %v", cellName, header[k], want[k], typ, gotNumber, isNumber)
			}
		}
	}
	panes, err := f.GetPanes(SheetResponses)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want the first row frozen", panes)
	}
	if w, err := f.GetColWidth(SheetResponses, "A"); err != nil || w < 20 {
		t.Errorf("participant column width = %v, %v; want at least 20", w, err)
	}

	cb, err := f.GetRows(SheetCodebook)
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	for _, q := range c.Questions {
		want += 1 + len(q.Options)
	}
	if len(cb) != want {
		t.Errorf("codebook has %d rows, want %d (header, questions and options)", len(cb), want)
	}
	if panes, _ := f.GetPanes(SheetCodebook); !panes.Freeze {
		t.Errorf("codebook header is not frozen")
	}
}

// checkDate checks that a cell holds a date (a serial number with a date
// format) showing the UTC time want (RFC 3339), or nothing when want is "".
func checkDate(t *testing.T, f *excelize.File, cellName, raw, want string) {
	t.Helper()
	if want == "" {
		if raw != "" {
			t.Errorf("%s = %q, want empty", cellName, raw)
		}
		return
	}
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Errorf("%s = %q, want a serial date: %v", cellName, raw, err)
		return
	}
	wantTime, _ := time.Parse(time.DateTime, want)
	got, err := excelize.ExcelDateToTime(serial, false)
	if err != nil || got.Sub(wantTime).Abs() > time.Millisecond {
		t.Errorf("%s = %v (%v), want %v", cellName, got, err, wantTime)
	}
	style, err := f.GetCellStyle(SheetResponses, cellName)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(style)
	if err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != dateFormat {
		t.Errorf("%s style = %+v, %v; want number format %q", cellName, s, err, dateFormat)
	}
	shown, _ := f.GetCellValue(SheetResponses, cellName)
	if want := wantTime.Format("2006-01-02 15:04:05"); shown != want {
		t.Errorf("%s shows %q, want %q", cellName, shown, want)
	}
}

func TestXLSXLongRedactedAndDefused(t *testing.T) {
	c := reference(t)
	rs := sample()
	f := writeXLSX(t, c, Options{Layout: LayoutLong, RedactText: true}, rs)
	rows, err := f.GetRows(SheetResponses)
	if err != nil {
		t.Fatal(err)
	}
	csvRows := parseCSV(t, writeCSV(t, c, Options{Layout: LayoutLong, RedactText: true}, rs))
	for i := range csvRows {
		for len(rows[i]) < len(csvRows[i]) {
			rows[i] = append(rows[i], "")
		}
	}
	if !reflect.DeepEqual(rows, csvRows) {
		t.Errorf("xlsx rows differ from csv rows:\n got %q\nwant %q", rows, csvRows)
	}

	f = writeXLSX(t, c, Options{Layout: LayoutLong}, []*consultations.Response{{
		Participant: "=p", Answers: map[string]consultations.Answer{"comment": {Text: "@SUM(1)"}},
	}})
	for cellName, want := range map[string]string{"A2": "'=p", "F2": "'@SUM(1)"} {
		if got, _ := f.GetCellValue(SheetResponses, cellName); got != want {
			t.Errorf("%s = %q, want %q", cellName, got, want)
		}
		if formula, _ := f.GetCellFormula(SheetResponses, cellName); formula != "" {
			t.Errorf("%s has formula %q", cellName, formula)
		}
	}
}

// TestXLSXSheetSplit lowers the rows a sheet holds and checks that the
// responses go on to further sheets, each with the header, the frozen row
// and the widths, and that excelize reads every row back, in order, with
// the codebook last.
func TestXLSXSheetSplit(t *testing.T) {
	c := reference(t)
	defer func(n int) { sheetRows = n }(sheetRows)
	var rs []*consultations.Response
	for i := range 100 {
		for _, r := range sample() {
			r.Participant += "-" + strconv.Itoa(i)
			rs = append(rs, r)
		}
	}
	for _, tc := range []struct {
		name       string
		layout     string
		responses  int
		sheetRows  int // a header and sheetRows-1 rows
		wantSheets int
	}{
		{"wide, one row", LayoutWide, 1, 4, 1},
		{"wide, a full sheet", LayoutWide, 3, 4, 1},
		{"wide, one row more", LayoutWide, 4, 4, 2},
		{"wide", LayoutWide, 12, 4, 4},
		{"long", LayoutLong, 12, 4, 14}, // 3 × 14 rows
		// More rows than the writer hands excelize at once.
		{"wide, many rows", LayoutWide, len(rs), 101, 4},
		{"long, many rows", LayoutLong, len(rs), 1000, 2}, // 1,400 rows
	} {
		t.Run(tc.name, func(t *testing.T) {
			sheetRows = tc.sheetRows
			opts := Options{Layout: tc.layout}
			want := parseCSV(t, writeCSV(t, c, opts, rs[:tc.responses]))
			header := want[0]
			f := writeXLSX(t, c, opts, rs[:tc.responses])
			var wantSheets []string
			for i := range tc.wantSheets {
				name := SheetResponses
				if i > 0 {
					name += " " + strconv.Itoa(i+1)
				}
				wantSheets = append(wantSheets, name)
			}
			wantSheets = append(wantSheets, SheetCodebook)
			if got := f.GetSheetList(); !reflect.DeepEqual(got, wantSheets) {
				t.Fatalf("sheets = %q, want %q", got, wantSheets)
			}
			var got [][]string
			for _, sheet := range wantSheets[:tc.wantSheets] {
				rows, err := f.GetRows(sheet)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) < 2 || len(rows) > sheetRows {
					t.Errorf("sheet %q has %d rows, want 2 to %d", sheet, len(rows), sheetRows)
					continue
				}
				if !reflect.DeepEqual(rows[0], header) {
					t.Errorf("sheet %q header = %q, want %q", sheet, rows[0], header)
				}
				if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 {
					t.Errorf("sheet %q panes = %+v, %v; want the first row frozen", sheet, panes, err)
				}
				if w, err := f.GetColWidth(sheet, "A"); err != nil || w < 20 {
					t.Errorf("sheet %q participant column width = %v, %v; want at least 20", sheet, w, err)
				}
				got = append(got, rows[1:]...)
			}
			if len(got) != len(want)-1 {
				t.Fatalf("got %d rows in all, want %d", len(got), len(want)-1)
			}
			for i, row := range want[1:] {
				for len(got[i]) < len(row) {
					got[i] = append(got[i], "") // GetRows trims empty cells at the end of a row
				}
				for k := range row {
					if header[k] == colStarted || header[k] == colCompleted {
						row[k] = shownDate(row[k])
					}
				}
				if !reflect.DeepEqual(got[i], row) {
					t.Errorf("row %d:\n got %q\nwant %q", i+1, got[i], row)
				}
			}
		})
	}
}

// shownDate is how an XLSX date shows an RFC 3339 time of a CSV export.
func shownDate(rfc3339 string) string {
	if rfc3339 == "" {
		return ""
	}
	t, err := time.Parse(time.DateTime, rfc3339)
	if err != nil {
		return "bad time " + rfc3339
	}
	return t.Format("2006-01-02 15:04:05")
}

// TestParallelDeflate compresses inputs of several sizes around the block
// size, written in pieces, and inflates them back.
func TestParallelDeflate(t *testing.T) {
	var data []byte
	for i := 0; len(data) < 3*deflateBlockSize+100; i++ {
		data = fmt.Appendf(data, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%x</t></is></c></row>`, i, i, i*i*2654435761)
	}
	for _, n := range []int{0, 1, 1000, deflateBlockSize - 1, deflateBlockSize, deflateBlockSize + 1, 2 * deflateBlockSize, len(data)} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var buf bytes.Buffer
			z := newParallelDeflate(&buf)
			for in, piece := data[:n], 32<<10+7; len(in) > 0; {
				k := min(piece, len(in))
				if m, err := z.Write(in[:k]); m != k || err != nil {
					t.Fatalf("Write: %d, %v; want %d, nil", m, err, k)
				}
				in = in[k:]
			}
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(flate.NewReader(&buf))
			if err != nil {
				t.Fatalf("inflate: %v", err)
			}
			if !bytes.Equal(got, data[:n]) {
				t.Errorf("inflated %d bytes, differing from the %d written", len(got), n)
			}
			if n > 1000 && buf.Len() > n/2 {
				t.Errorf("compressed %d bytes into %d", n, buf.Len())
			}
		})
	}
}
