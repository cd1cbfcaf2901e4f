package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/consultations/report"
	"github.com/parlabot/parlabot/i18n"
)

// report writes a consultation's report to stdout: its indicators against
// the commitment's targets and across waves, participation, each
// question's answers and breakdowns, as text, Markdown or JSON.
func (m *Main) report(ctx context.Context, args []string) error {
	p, err := m.prepareReport(args)
	if err != nil {
		return err
	}
	return m.execute(ctx, p)
}

func (m *Main) prepareReport(args []string) (*prepared, error) {
	p := &prepared{name: "report", args: args}
	fs := m.flags("report", &p.c)
	slug := fs.String("consultation", "", "the consultation's `slug`")
	format := fs.String("format", "text", "output `format`: text, md or json")
	if err := m.parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("report takes no arguments, got %q; name the consultation with --consultation SLUG", fs.Arg(0))
	}
	if *slug == "" {
		return nil, usagef("report needs --consultation SLUG")
	}
	if *format != "text" && *format != "md" && *format != "json" {
		return nil, usagef("--format %q is not available; use --format text, md or json", *format)
	}
	lang := p.c.lang
	msgs, err := i18n.New(lang)
	if err != nil {
		return nil, usagef("--lang: %v", err)
	}
	p.run = func(ctx context.Context, store *boltstore.Store, o output, via string) error {
		cons, err := store.Consultation(ctx, *slug)
		if err != nil {
			return consultationError(err, *slug, store.Path())
		}
		rep, err := consultations.ReportFrom(ctx, store, cons, m.Now())
		if err != nil {
			return storeError("build the report", err)
		}
		f, err := o.Create(cons.Slug+".report."+*format, true)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		switch *format {
		case "text":
			err = report.Text(bw, rep, lang, msgs)
		case "md":
			err = report.Markdown(bw, rep, lang, msgs)
		case "json":
			err = report.JSON(bw, rep)
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return f.Close()
	}
	return p, nil
}
