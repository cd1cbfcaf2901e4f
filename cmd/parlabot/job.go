package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/parlabot/parlabot/consultations/boltstore"
)

// A job is the work of a command that reads the database (export, report,
// backup), done on an open store and written to an output. via says how it
// was asked for, for the audit log.
type job func(ctx context.Context, store *boltstore.Store, out output, via string) error

// prepared is a command whose flags have been parsed and checked.
type prepared struct {
	name string
	c    common
	args []string // as given, for the running bot to parse the same way
	out  string   // where the output goes on this machine: "" for stdout
	dir  bool     // out is a directory
	run  job
}

// The ways a job is asked for, as the audit log records them.
const (
	viaCommandLine = "command line"
	viaRunningBot  = "command line, through the running bot"
)

// jobs are the commands a running bot does for the command line, when it
// holds the database.
var jobs = map[string]func(m *Main, args []string) (*prepared, error){
	"export": (*Main).prepareExport,
	"report": (*Main).prepareReport,
	"backup": (*Main).prepareBackup,
}

// execute runs a prepared command: inside the running bot when one holds
// the database, here otherwise. Its files appear whole, or not at all.
func (m *Main) execute(ctx context.Context, p *prepared) error {
	if p.dir {
		if err := os.MkdirAll(p.out, 0o755); err != nil {
			return fmt.Errorf("--out %s: %v", p.out, errors.Unwrap(err))
		}
	}
	o := m.newOutput(p.out, p.dir)
	err := m.runHereOrThere(ctx, p, o)
	if err != nil {
		o.abort()
		return err
	}
	return o.commit()
}

func (m *Main) runHereOrThere(ctx context.Context, p *prepared, o output) error {
	if conn := dialControl(p.c.db); conn != nil {
		return m.remote(ctx, conn, p, o)
	}
	if _, err := os.Stat(p.c.db); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s; check --db or PARLABOT_DB", p.c.db)
	}
	store, err := m.openStore(p.c)
	if err != nil {
		return storeError("open database", err)
	}
	defer store.Close()
	if err := p.run(ctx, store, o, viaCommandLine); err != nil {
		return err
	}
	return store.Close()
}

// forwardedEnv are the environment variables a job reads besides the
// database's, which the running bot takes from the command line's
// environment rather than its own.
var forwardedEnv = []string{"PARLABOT_LANG"}

// env returns the command line's values of forwardedEnv.
func (m *Main) forwardEnv() map[string]string {
	env := map[string]string{}
	for _, k := range forwardedEnv {
		if v := m.Getenv(k); v != "" {
			env[k] = v
		}
	}
	return env
}
