package export

import (
	"io"

	"github.com/parlabot/parlabot/consultations"
)

// The formats an export may take.
const (
	FormatCSV   = "csv"   // RFC 4180, with SLUG-codebook.csv beside it
	FormatXLSX  = "xlsx"  // a workbook with a codebook sheet
	FormatJSONL = "jsonl" // JSON Lines, with SLUG-codebook.json beside it
)

// Formats lists the export formats, in the order help texts give them.
var Formats = []string{FormatCSV, FormatXLSX, FormatJSONL}

// IsFormat reports whether f is one of Formats.
func IsFormat(f string) bool {
	switch f {
	case FormatCSV, FormatXLSX, FormatJSONL:
		return true
	}
	return false
}

// New returns a Writer of c's responses to w in format (one of Formats).
func New(w io.Writer, c *consultations.Consultation, format string, opts Options) (Writer, error) {
	switch format {
	case FormatCSV:
		return NewCSV(w, c, opts)
	case FormatXLSX:
		return NewXLSX(w, c, opts)
	case FormatJSONL:
		return NewJSONL(w, c, opts)
	}
	return nil, consultations.Errorf(consultations.EINVALID, "unknown export format %q: use csv, xlsx or jsonl", format)
}

// FileName is the usual name of c's export in format: "SLUG.csv".
func FileName(slug, format string) string { return slug + "." + format }

// CodebookName is the name of the codebook file that goes beside an
// export in format ("SLUG-codebook.csv" for CSV, "SLUG-codebook.json" for
// JSON Lines), or "" for XLSX, which carries its codebook as a sheet.
func CodebookName(slug, format string) string {
	switch format {
	case FormatCSV:
		return slug + "-codebook.csv"
	case FormatJSONL:
		return slug + "-codebook.json"
	}
	return ""
}

// WriteCodebook writes the codebook that goes beside an export in format
// (see CodebookName); for XLSX it writes nothing.
func WriteCodebook(w io.Writer, c *consultations.Consultation, format string, opts Options) error {
	switch format {
	case FormatCSV:
		return WriteCodebookCSV(w, c, opts)
	case FormatJSONL:
		return WriteCodebookJSON(w, c, opts)
	case FormatXLSX:
		return nil
	}
	return consultations.Errorf(consultations.EINVALID, "unknown export format %q: use csv, xlsx or jsonl", format)
}

// NewJSONL returns a Writer of c's responses to w as JSON Lines (see
// consultations.JSONLWriter); opts.RedactText leaves out free-text answers.
// Layout and Excel do not apply.
func NewJSONL(w io.Writer, c *consultations.Consultation, opts Options) (Writer, error) {
	if _, err := settle(c, opts); err != nil {
		return nil, err
	}
	j := consultations.NewJSONLWriter(w, c)
	j.OmitText = opts.RedactText
	return jsonlWriter{j}, nil
}

// jsonlWriter gives the JSON Lines writer the Writer shape.
type jsonlWriter struct{ *consultations.JSONLWriter }

func (jsonlWriter) Close() error { return nil }
