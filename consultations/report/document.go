package report

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// A document is a report laid out once and written as plain text or as
// Markdown, so that both say exactly the same.
type document struct{ blocks []block }

type block interface{ isBlock() }

// heading is a section title; level 1 is the report's own title.
type heading struct {
	level int
	text  string
}

// para is a paragraph of running text.
type para struct{ text string }

// fields are labelled values, one a line ("Meta: 60,0 %").
type fields []field

type field struct{ label, value string }

// table has a header row; columns marked right are numbers.
type table struct {
	head  []string
	right []bool
	rows  [][]string
}

// quotes are citizens' own words, shown as such.
type quotes []string

func (heading) isBlock() {}
func (para) isBlock()    {}
func (fields) isBlock()  {}
func (table) isBlock()   {}
func (quotes) isBlock()  {}

func (d *document) add(b ...block) { d.blocks = append(d.blocks, b...) }

// writeText writes d for a terminal: underlined titles, aligned columns.
func (d *document) writeText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, b := range d.blocks {
		if i > 0 {
			bw.WriteString("\n")
		}
		switch b := b.(type) {
		case heading:
			bw.WriteString(b.text + "\n")
			switch b.level {
			case 1:
				bw.WriteString(strings.Repeat("=", width(b.text)) + "\n")
			case 2:
				bw.WriteString(strings.Repeat("-", width(b.text)) + "\n")
			}
		case para:
			bw.WriteString(b.text + "\n")
		case fields:
			w := 0
			for _, f := range b {
				w = max(w, width(f.label)+1)
			}
			for _, f := range b {
				bw.WriteString("  " + pad(f.label+":", w, false) + "  " + f.value + "\n")
			}
		case table:
			widths := make([]int, len(b.head))
			for _, row := range append([][]string{b.head}, b.rows...) {
				for c, cell := range row {
					widths[c] = max(widths[c], width(cell))
				}
			}
			line := func(row []string) {
				var sb strings.Builder
				sb.WriteString(" ")
				for c, cell := range row {
					sb.WriteString(" " + pad(cell, widths[c], c < len(b.right) && b.right[c]))
					if c < len(row)-1 {
						sb.WriteString(" ")
					}
				}
				bw.WriteString(strings.TrimRight(sb.String(), " ") + "\n")
			}
			line(b.head)
			rule := make([]string, len(b.head))
			for c := range rule {
				rule[c] = strings.Repeat("-", widths[c])
			}
			line(rule)
			for _, row := range b.rows {
				line(row)
			}
		case quotes:
			for _, q := range b {
				bw.WriteString("  “" + oneLine(q) + "”\n")
			}
		}
	}
	return bw.Flush()
}

// writeMarkdown writes d as CommonMark with GitHub tables.
func (d *document) writeMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, b := range d.blocks {
		if i > 0 {
			bw.WriteString("\n")
		}
		switch b := b.(type) {
		case heading:
			bw.WriteString(strings.Repeat("#", b.level) + " " + escapeMD(b.text) + "\n")
		case para:
			bw.WriteString(escapeMD(b.text) + "\n")
		case fields:
			for _, f := range b {
				bw.WriteString("- **" + escapeMD(f.label) + ":** " + escapeMD(f.value) + "\n")
			}
		case table:
			row := func(cells []string) {
				bw.WriteString("|")
				for _, c := range cells {
					bw.WriteString(" " + escapeMD(c) + " |")
				}
				bw.WriteString("\n")
			}
			row(b.head)
			bw.WriteString("|")
			for c := range b.head {
				if c < len(b.right) && b.right[c] {
					bw.WriteString("---:|")
				} else {
					bw.WriteString("---|")
				}
			}
			bw.WriteString("\n")
			for _, r := range b.rows {
				row(r)
			}
		case quotes:
			for j, q := range b {
				if j > 0 {
					bw.WriteString(">\n")
				}
				bw.WriteString("> " + escapeMD(oneLine(q)) + "\n")
			}
		}
	}
	return bw.Flush()
}

// mdEscaper escapes what Markdown would otherwise read as formatting in
// texts written by clerks and citizens.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "#", `\#`, ">", "&gt;",
)

// escapeMD escapes s for Markdown. A "<" becomes "&lt;" only where it
// could open HTML (before a letter, "/", "!" or "?"), so that "<5" reads
// as itself in the raw file too.
func escapeMD(s string) string {
	s = mdEscaper.Replace(oneLine(s))
	var sb strings.Builder
	for i, r := range s {
		if r == '<' && i+1 < len(s) && strings.ContainsAny(s[i+1:i+2], "/!?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			sb.WriteString("&lt;")
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// oneLine puts a multi-line text on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int, right bool) string {
	fill := strings.Repeat(" ", max(0, w-width(s)))
	if right {
		return fill + s
	}
	return s + fill
}
