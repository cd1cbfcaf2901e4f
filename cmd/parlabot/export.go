package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parlabot/parlabot/consultations"
)

// export writes a consultation's responses, pseudonymised, to stdout or a
// file. A file appears whole or not at all.
func (m *Main) export(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("export", &c)
	slug := fs.String("consultation", "", "the consultation's `slug`")
	format := fs.String("format", "jsonl", "output `format`: jsonl")
	out := fs.String("out", "", "write to `FILE` instead of standard output")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *slug == "" {
		return usagef("export needs --consultation SLUG")
	}
	if *format != "jsonl" {
		return usagef("--format %q is not available; use --format jsonl", *format)
	}
	store, cons, err := m.openConsultation(ctx, c, *slug)
	if err != nil {
		return err
	}
	defer store.Close()
	n := 0
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		jw := consultations.NewJSONLWriter(bw, cons)
		err := store.EachResponse(ctx, cons.Slug, func(r *consultations.Response) error {
			n++
			return jw.Write(r)
		})
		if err != nil {
			return fmt.Errorf("export %s: %w", cons.Slug, err)
		}
		return bw.Flush()
	}
	if *out == "" {
		err = write(m.Stdout)
	} else {
		err = writeFileAtomic(*out, write)
	}
	if err != nil {
		return err
	}
	return store.Audit(ctx, consultations.AuditEntry{
		At: m.Now(), Action: "export", Target: cons.Slug, Allowed: true,
		Detail: fmt.Sprintf("command line, %s, responses: %d", *format, n),
	})
}

// writeFileAtomic writes through a temporary file renamed into place, so
// a failed export never leaves half a file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
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
