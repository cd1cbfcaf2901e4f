package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parlabot/parlabot/consultations"
)

// importFile adds or updates a consultation from a YAML file. A bad file is
// refused whole, with every problem listed, and the database is unchanged.
func (m *Main) importFile(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("import", &c)
	if err := m.parse(fs, interspersed(args, fs)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("import needs one file: parlabot import FILE.yaml")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, errors.Unwrap(err))
	}
	// A bad file is refused before the database is opened (or created, when
	// --db has a typo).
	f, err := consultations.ParseFile(data)
	if err != nil {
		return m.refuse(path, err)
	}
	store, err := m.openStore(c)
	if err != nil {
		return storeError("open database", err)
	}
	defer store.Close()
	cons, existed, err := consultations.ImportFile(ctx, store, f, m.Now())
	if err != nil {
		return m.refuse(path, err)
	}
	verb := "imported"
	if existed {
		verb = "updated"
	}
	if err := store.Audit(ctx, consultations.AuditEntry{
		At: m.Now(), Action: "import", Target: cons.Slug, Allowed: true,
		Detail: fmt.Sprintf("command line, %s: %d questions, %s", filepath.Base(path), len(cons.Questions), cons.Status),
	}); err != nil {
		return storeError("write audit log", err)
	}
	fmt.Fprintf(m.Stdout, "%s %s: %d questions, %s%s\n", verb, cons.Slug, len(cons.Questions), cons.Status, schedule(cons))
	return store.Close()
}

// refuse prints every problem of a refused file, one per line, and returns
// the one-line summary.
func (m *Main) refuse(path string, err error) error {
	var v *consultations.ValidationError
	if !errors.As(err, &v) {
		return storeError("import "+path, err)
	}
	for _, p := range v.Problems {
		fmt.Fprintf(m.Stderr, "%s: %s\n", path, p)
	}
	n := "1 problem"
	if len(v.Problems) != 1 {
		n = fmt.Sprintf("%d problems", len(v.Problems))
	}
	return fmt.Errorf("%s was not imported (%s); fix it and import it again: nothing was changed", path, n)
}

// schedule describes a consultation's dates for the import summary.
func schedule(c *consultations.Consultation) string {
	var parts []string
	if !c.Opens.IsZero() {
		parts = append(parts, "opens "+c.Opens.Format("2006-01-02 15:04 -07:00"))
	}
	if !c.Closes.IsZero() {
		parts = append(parts, "closes "+c.Closes.Format("2006-01-02 15:04 -07:00"))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
