package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/report"
	"github.com/parlabot/parlabot/i18n"
)

// report writes a consultation's report to stdout: its indicators against
// the commitment's targets and across waves, participation, each
// question's answers and breakdowns, as text, Markdown or JSON.
func (m *Main) report(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("report", &c)
	slug := fs.String("consultation", "", "the consultation's `slug`")
	format := fs.String("format", "text", "output `format`: text, md or json")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *slug == "" {
		return usagef("report needs --consultation SLUG")
	}
	if *format != "text" && *format != "md" && *format != "json" {
		return usagef("--format %q is not available; use --format text, md or json", *format)
	}
	msgs, err := i18n.New(c.lang)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	store, cons, err := m.openConsultation(ctx, c, *slug)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := consultations.ReportFrom(ctx, store, cons, m.Now())
	if err != nil {
		return storeError("build the report", err)
	}

	bw := bufio.NewWriter(m.Stdout)
	switch *format {
	case "text":
		err = report.Text(bw, rep, c.lang, msgs)
	case "md":
		err = report.Markdown(bw, rep, c.lang, msgs)
	case "json":
		err = report.JSON(bw, rep)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return bw.Flush()
}
