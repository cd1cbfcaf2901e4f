package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/consultations/export"
	"github.com/parlabot/parlabot/i18n"
)

// export writes consultations' responses, pseudonymised, as CSV, XLSX or
// JSON Lines, with a codebook: a second sheet in XLSX, SLUG-codebook.csv
// or SLUG-codebook.json beside a CSV or JSON Lines file. One consultation
// goes to stdout or --out FILE; --all writes every consultation into
// --out DIR. Files appear whole or not at all.
func (m *Main) export(ctx context.Context, args []string) error {
	p, err := m.prepareExport(args)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(p.out); err == nil && fi.IsDir() {
		p.dir = true // --out DIR with one consultation: DIR/SLUG.csv
	}
	return m.execute(ctx, p)
}

func (m *Main) prepareExport(args []string) (*prepared, error) {
	p := &prepared{name: "export", args: args}
	fs := m.flags("export", &p.c)
	slug := fs.String("consultation", "", "the consultation's `slug`")
	all := fs.Bool("all", false, "export every consultation, a file each, into the directory --out names")
	format := fs.String("format", export.FormatJSONL, "output `format`: csv, xlsx or jsonl")
	out := fs.String("out", "", "write to `FILE` (with --all, a directory) instead of standard output")
	layout := fs.String("layout", export.LayoutWide, "csv and xlsx `layout`: wide (a row per response) or long (a row per answer)")
	excel := fs.Bool("excel", false, "csv: start with a UTF-8 byte order mark, for Excel")
	redact := fs.Bool("redact-text", false, "leave out free-text answers, which may contain personal data")
	if err := m.parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("export takes no arguments, got %q; name the consultation with --consultation SLUG", fs.Arg(0))
	}
	switch {
	case *all && *slug != "":
		return nil, usagef("export takes --consultation SLUG or --all, not both")
	case !*all && *slug == "":
		return nil, usagef("export needs --consultation SLUG, or --all for every consultation")
	case *all && *out == "":
		return nil, usagef("export --all writes a file per consultation: name a directory with --out DIR")
	}
	if !export.IsFormat(*format) {
		return nil, usagef("--format %q is not available; use --format csv, xlsx or jsonl", *format)
	}
	if *layout != export.LayoutWide && *layout != export.LayoutLong {
		return nil, usagef("--layout %q: use wide or long", *layout)
	}
	if *format == export.FormatXLSX && *out == "" && terminal(m.Stdout) {
		return nil, usagef("an XLSX file is not for a terminal: add --out FILE.xlsx")
	}
	labels := "" // the consultation's default language
	if flagSet(fs, "lang") {
		if !i18n.Supported(p.c.lang) {
			return nil, usagef("--lang %q: use es, pt, en or fr", p.c.lang)
		}
		labels = p.c.lang
	}
	opts := export.Options{Layout: *layout, Lang: labels, Excel: *excel, RedactText: *redact}
	p.out = *out
	p.dir = *all
	p.run = func(ctx context.Context, store *boltstore.Store, o output, via string) error {
		var list []*consultations.Consultation
		if *all {
			var err error
			if list, err = store.Consultations(ctx); err != nil {
				return storeError("read consultations", err)
			}
			if len(list) == 0 {
				return fmt.Errorf("no consultations in %s yet; import one first with parlabot import FILE.yaml", store.Path())
			}
			slices.SortFunc(list, func(a, b *consultations.Consultation) int { return strings.Compare(a.Slug, b.Slug) })
		} else {
			cons, err := store.Consultation(ctx, *slug)
			if err != nil {
				return consultationError(err, *slug, store.Path())
			}
			list = append(list, cons)
		}
		for _, cons := range list {
			n, err := exportOne(ctx, store, cons, *format, opts, o)
			if err != nil {
				return err
			}
			err = store.Audit(ctx, consultations.AuditEntry{
				At: m.Now(), Action: "export", Target: cons.Slug, Allowed: true,
				Detail: fmt.Sprintf("%s, %s, responses: %d", via, *format, n),
			})
			if err != nil {
				return storeError("record the export in the audit log", err)
			}
		}
		return nil
	}
	return p, nil
}

// progressEvery is how many rows an export writes between progress
// reports.
const progressEvery = 4096

// exportOne writes one consultation's export, and its codebook, to o, and
// returns the number of responses written.
func exportOne(ctx context.Context, store *boltstore.Store, cons *consultations.Consultation, format string, opts export.Options, o output) (int, error) {
	total, _ := store.CountStarted(ctx, cons.Slug) // for the progress bar only
	f, err := o.Create(export.FileName(cons.Slug, format), true)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	w, err := export.New(bw, cons, format, opts)
	if err != nil {
		return 0, err
	}
	n := 0
	o.Progress(cons.Slug, 0, total)
	err = store.EachResponse(ctx, cons.Slug, func(r *consultations.Response) error {
		if n++; n%progressEvery == 0 {
			o.Progress(cons.Slug, n, total)
		}
		return w.Write(r)
	})
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		err = nil // no responses yet: the export is the header alone
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", cons.Slug, err)
	}
	o.Progress(cons.Slug, n, n)
	name := export.CodebookName(cons.Slug, format)
	if name == "" {
		return n, nil
	}
	book, err := o.Create(name, false)
	if err != nil {
		return n, err
	}
	defer book.Close()
	bw = bufio.NewWriter(book)
	if err := export.WriteCodebook(bw, cons, format, opts); err != nil {
		return n, fmt.Errorf("write the codebook of %s: %w", cons.Slug, err)
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, book.Close()
}

// consultationError says what to do when a consultation cannot be read.
func consultationError(err error, slug, db string) error {
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return fmt.Errorf("no consultation %q in %s; import it first, or check the slug", slug, db)
	}
	return storeError("read consultation", err)
}

// interspersed moves flags after positional arguments to the front, so
// "import FILE --db X" works as well as "import --db X FILE".
func interspersed(args []string, fs *flag.FlagSet) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := a[1:]
			if name != "" && name[0] == '-' {
				name = name[1:]
			}
			if f := fs.Lookup(name); f != nil && i+1 < len(args) {
				if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
					i++
					flags = append(flags, args[i])
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}
