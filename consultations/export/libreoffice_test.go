package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// requireLibreOffice is the environment variable that makes a missing
// LibreOffice fail the tests instead of skipping them, as in CI.
const requireLibreOffice = "PARLABOT_REQUIRE_LIBREOFFICE"

// TestLibreOfficeOpens converts an XLSX and a CSV export of the sample
// responses to CSV with LibreOffice, quoting every text cell, and checks
// what an analyst opening them would see: the header, numbers as numbers,
// times as dates (or, from a CSV, as the text written), defused formulas
// as text beginning with the apostrophe, emoji and right-to-left text
// intact.
func TestLibreOfficeOpens(t *testing.T) {
	office := findLibreOffice(t)
	c := reference(t)
	rs := sample()
	dir := t.TempDir()
	profile := (&url.URL{Scheme: "file", Path: filepath.Join(dir, "profile")}).String()

	var xlsx bytes.Buffer
	w, err := NewXLSX(&xlsx, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		data     []byte
		infilter string // how LibreOffice reads the file; "" to tell from its content
	}{
		{"xlsx", xlsx.Bytes(), ""},
		// UTF-8, comma-separated, numbers and dates detected, formulas not
		// evaluated: the settings of LibreOffice's CSV import dialog.
		{"csv", writeCSV(t, c, Options{}, rs), "CSV:44,34,76,1,,0,false,true,false,false,false,0,false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, tc.name, "responses."+tc.name)
			if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(in, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			rows := convertToCSV(t, office, profile, in, tc.infilter)
			checkOpened(t, c, rs, rows)
		})
	}
}

// findLibreOffice returns the path of LibreOffice's command, skipping the
// test when there is none, unless requireLibreOffice is set.
func findLibreOffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"libreoffice", "soffice"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv(requireLibreOffice) == "1" {
		t.Fatalf("LibreOffice is not installed (no libreoffice or soffice in PATH) and %s=1: install it, on Debian with apt-get install --no-install-recommends libreoffice-calc-nogui", requireLibreOffice)
	}
	t.Skipf("LibreOffice is not installed (no libreoffice or soffice in PATH); set %s=1 to fail instead", requireLibreOffice)
	return ""
}

// convertToCSV has LibreOffice convert the file at in to UTF-8 CSV, text
// cells quoted and every cell as shown, and returns the converted rows.
// profile is a private user installation, so that the conversion neither
// depends on nor waits for the user's LibreOffice.
func convertToCSV(t *testing.T, office, profile, in, infilter string) [][]field {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	outdir := filepath.Join(filepath.Dir(in), "out")
	args := []string{"-env:UserInstallation=" + profile, "--headless", "--norestore"}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	// Separator, quote, UTF-8, from line 1, no column formats, default
	// language, quote all text cells, (unused), save cells as shown.
	args = append(args, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true", "--outdir", outdir, in)
	cmd := exec.CommandContext(ctx, office, args...)
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish in time: %s", office, out)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", office, strings.Join(args, " "), err, out)
	}
	t.Logf("converted %s in %v", filepath.Base(in), time.Since(start).Round(time.Millisecond))
	name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in)) + ".csv"
	data, err := os.ReadFile(filepath.Join(outdir, name))
	if err != nil {
		t.Fatalf("LibreOffice wrote no %s: %v\n%s", name, err, out)
	}
	rows, err := parseQuoted(data)
	if err != nil {
		t.Fatalf("parse LibreOffice's CSV: %v\n%s", err, data)
	}
	return rows
}

// checkOpened compares the rows LibreOffice converted with what the
// sample responses should show: from a CSV as from an XLSX, times are
// dates.
func checkOpened(t *testing.T, c *consultations.Consultation, rs []*consultations.Response, rows [][]field) {
	t.Helper()
	header := parseCSV(t, writeCSV(t, c, Options{}, nil))[0]
	if len(rows) != len(rs)+1 {
		t.Fatalf("LibreOffice shows %d rows, want %d: %q", len(rows), len(rs)+1, rows)
	}
	for k, h := range header {
		if k >= len(rows[0]) || rows[0][k] != (field{h, true}) {
			t.Errorf("header = %v, want %q as text", rows[0], header)
			break
		}
	}
	for i, r := range rs {
		got, want := rows[i+1], wantWide(c, r, false)
		if len(got) != len(want) {
			t.Errorf("row %d has %d cells, want %d: %v", i+1, len(got), len(want), got)
			continue
		}
		for k, s := range want {
			cell := header[k] + " of " + r.Participant
			switch {
			case s == "":
				if got[k] != (field{}) {
					t.Errorf("%s = %v, want empty", cell, got[k])
				}
			case header[k] == colStarted || header[k] == colCompleted:
				// A date is a number: not quoted, shown in the date format.
				date := field{shownDate(s), false}
				if got[k] != date {
					t.Errorf("%s = %v, want the date %v", cell, got[k], date)
				}
			case isNumberColumn(c, header[k]):
				if got[k] != (field{s, false}) {
					t.Errorf("%s = %v, want the number %s", cell, got[k], s)
				}
			default:
				if got[k] != (field{s, true}) {
					t.Errorf("%s = %v, want the text %q", cell, got[k], s)
				}
			}
		}
	}
	// The cases the sample is made of, stated once more.
	comment := len(header) - 1
	for row, want := range map[int]string{
		1: "Mais \"legendas\", por favor 👍🏽\nobrigado",
		3: "'=HYPERLINK(\"http://x\";\"clic\")",
		4: "مرحبا بالعالم — שלום",
	} {
		if got := rows[row][comment]; got != (field{want, true}) {
			t.Errorf("comment of row %d = %v, want the text %q", row, got, want)
		}
	}
}

// isNumberColumn says whether the wide column named name holds numbers.
func isNumberColumn(c *consultations.Consultation, name string) bool {
	for _, col := range newTable(c, Options{Layout: LayoutWide}).columns {
		if col.name == name {
			return col.kind == number
		}
	}
	return false
}

// field is a cell of a CSV file, with whether it was quoted: LibreOffice,
// asked to quote all text cells, leaves numbers and dates unquoted.
type field struct {
	s      string
	quoted bool
}

// parseQuoted parses RFC 4180 CSV (LF or CRLF line ends), keeping whether
// each field was quoted, which encoding/csv does not say.
func parseQuoted(data []byte) ([][]field, error) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	var rows [][]field
	for s != "" {
		var row []field
		for {
			var f field
			var err error
			if f, s, err = parseField(s); err != nil {
				return nil, fmt.Errorf("row %d: %w", len(rows)+1, err)
			}
			row = append(row, f)
			if s == "" || s[0] == '\n' {
				s = strings.TrimPrefix(s, "\n")
				break
			}
			if s[0] != ',' {
				return nil, fmt.Errorf("row %d: text after a quoted field", len(rows)+1)
			}
			s = s[1:]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// parseField parses the field s begins with and returns it and the rest.
func parseField(s string) (field, string, error) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, ",\n")
		if i < 0 {
			i = len(s)
		}
		return field{s: s[:i]}, s[i:], nil
	}
	var b strings.Builder
	s = s[1:]
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return field{}, "", errors.New("unterminated quoted field")
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		if !strings.HasPrefix(s, `"`) {
			return field{s: b.String(), quoted: true}, s, nil
		}
		b.WriteByte('"')
		s = s[1:]
	}
}

func (f field) String() string {
	if f.quoted {
		return `"` + f.s + `"`
	}
	return f.s
}
