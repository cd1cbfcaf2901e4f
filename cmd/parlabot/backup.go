package main

import (
	"context"
	"fmt"
	"os"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// backup writes a consistent copy of the database to --out, whether or
// not the bot is running. The copy is a database file: to restore, stop
// the bot and put the copy in place of the database (see the README).
func (m *Main) backup(ctx context.Context, args []string) error {
	p, err := m.prepareBackup(args)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(p.out); err == nil && fi.IsDir() {
		return usagef("--out %s is a directory; name the copy's file, e.g. --out %s/parlabot-backup.db", p.out, p.out)
	}
	if err := m.execute(ctx, p); err != nil {
		return err
	}
	if fi, err := os.Stat(p.out); err == nil {
		fmt.Fprintf(m.Stdout, "Backed up %s to %s (%s bytes)\n", p.c.db, p.out, thousands(int(fi.Size())))
	}
	return nil
}

func (m *Main) prepareBackup(args []string) (*prepared, error) {
	p := &prepared{name: "backup", args: args}
	fs := m.flags("backup", &p.c)
	out := fs.String("out", "", "write the copy to `FILE`")
	if err := m.parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("backup takes no arguments, got %q; name the copy with --out FILE", fs.Arg(0))
	}
	if *out == "" {
		return nil, usagef("backup needs --out FILE, the copy to write")
	}
	p.out = *out
	p.run = func(ctx context.Context, store *boltstore.Store, o output, via string) error {
		f, err := o.Create("backup.db", true)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := store.Backup(ctx, f)
		if err != nil {
			return storeError("back up", err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		return store.Audit(ctx, consultations.AuditEntry{
			At: m.Now(), Action: "backup", Allowed: true,
			Detail: fmt.Sprintf("%s, bytes: %d", via, n),
		})
	}
	return p, nil
}
