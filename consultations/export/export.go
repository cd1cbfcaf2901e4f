// Package export writes a consultation's responses in formats analysts open
// directly (CSV for R, Stata and pandas; XLSX for Excel and LibreOffice),
// with a codebook, one response at a time so that memory does not grow with
// the number of responses. Citizens appear only by their pseudonym.
package export

import (
	"slices"

	"github.com/parlabot/parlabot/consultations"
)

// The layouts an export may take.
const (
	LayoutWide = "wide" // one row per response, one column per question (or option)
	LayoutLong = "long" // one row per answer (per chosen option)
)

// Options say how an export looks. The zero value is a wide export labelled
// in the consultation's default language.
type Options struct {
	Layout     string // LayoutWide (default) or LayoutLong
	Lang       string // language of the codebook's labels; default the consultation's default language
	Excel      bool   // CSV: begin with a UTF-8 byte order mark so that Excel reads UTF-8
	RedactText bool   // leave out free-text answers, which may contain personal data
}

// Writer writes responses to an export, one at a time. Close finishes the
// export (for XLSX, it writes the whole file) but does not close the
// underlying io.Writer.
type Writer interface {
	Write(r *consultations.Response) error
	Close() error
}

// settle fills in the defaults of opts and checks them against c.
func settle(c *consultations.Consultation, opts Options) (Options, error) {
	switch opts.Layout {
	case "":
		opts.Layout = LayoutWide
	case LayoutWide, LayoutLong:
	default:
		return opts, consultations.Errorf(consultations.EINVALID, "unknown export layout %q: use %q or %q", opts.Layout, LayoutWide, LayoutLong)
	}
	if opts.Lang == "" {
		opts.Lang = c.DefaultLanguage
	}
	return opts, nil
}

// checkResponse refuses a response to another consultation.
func checkResponse(c *consultations.Consultation, r *consultations.Response) error {
	if r.Consultation != "" && r.Consultation != c.Slug {
		return consultations.Errorf(consultations.EINVALID, "response to %q cannot be written in the export of %q", r.Consultation, c.Slug)
	}
	return nil
}

// Defuse returns s with a leading ' when a spreadsheet would otherwise read
// it as a formula: when it begins with =, +, -, @, a tab or a carriage
// return (OWASP, CSV injection). Numbers are written as numbers, never
// through Defuse.
func Defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// languages lists the languages c's texts are written in: parlabot's
// languages in menu order, then any other in alphabetical order.
func languages(c *consultations.Consultation) []string {
	seen := map[string]bool{}
	add := func(t consultations.Text) {
		for l, s := range t {
			if s != "" {
				seen[l] = true
			}
		}
	}
	for i := range c.Questions {
		q := &c.Questions[i]
		add(q.Text)
		for _, o := range q.Options {
			add(o.Text)
		}
	}
	var out, rest []string
	for _, l := range consultations.Languages {
		if seen[l] {
			out = append(out, l)
			delete(seen, l)
		}
	}
	for l := range seen {
		rest = append(rest, l)
	}
	slices.Sort(rest)
	return append(out, rest...)
}
