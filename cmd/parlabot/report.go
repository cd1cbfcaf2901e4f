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
	store, err := m.openStore(c)
	if err != nil {
		return storeError("open database", err)
	}
	defer store.Close()
	cons, err := store.Consultation(ctx, *slug)
	if err != nil {
		if consultations.ErrorCode(err) == consultations.ENOTFOUND {
			return fmt.Errorf("no consultation %q in %s; import it first, or check the slug", *slug, c.db)
		}
		return storeError("read consultation", err)
	}
	tally, err := store.Tally(ctx, cons.Slug)
	if err != nil {
		return storeError("count responses", err)
	}
	all, err := store.Consultations(ctx)
	if err != nil {
		return storeError("read consultations", err)
	}
	var waves []consultations.WaveInput
	for _, w := range all {
		if w.Slug == cons.Slug || w.Commitment.ID != cons.Commitment.ID {
			continue
		}
		t, err := store.Tally(ctx, w.Slug)
		if err != nil {
			return storeError("count responses to "+w.Slug, err)
		}
		waves = append(waves, consultations.WaveInput{Consultation: w, Tally: t})
	}
	rep := consultations.BuildReport(cons, tally, waves, m.Now())

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
