package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// healthTimeout is how long /healthz waits for the database to answer.
const healthTimeout = 2 * time.Second

// health is what /healthz reports: whether the bot is running and its
// database answers.
type health struct {
	running atomic.Bool // the bot's Run is under way
	ctx     context.Context
	// read is a cheap read of the database.
	read func(context.Context) error
	// timeout is how long read may take (healthTimeout when zero).
	timeout time.Duration
}

// check returns nil when all is well, else why not, in one line.
func (h *health) check(ctx context.Context) error {
	switch {
	case h.ctx.Err() != nil:
		return errors.New("stopping")
	case !h.running.Load():
		return errors.New("the bot is not running")
	}
	timeout := cmp.Or(h.timeout, healthTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.read(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the database does not answer: %s", strings.Join(strings.Fields(err.Error()), " "))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the database did not answer within %s", timeout)
	}
}

// serveMetrics serves Prometheus's /metrics and /healthz on addr until
// stop is called. It returns the address it listens on (the port chosen
// when addr asks for port 0).
func serveMetrics(addr string, metrics *bot.Metrics, h *health, log *slog.Logger) (listening string, stop func(), err error) {
	ln, err := listenOn(net.Listen, addr, "serve metrics",
		"choose another with --metrics-addr", "give an address such as 127.0.0.1:9090 to --metrics-addr")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := h.check(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	var once sync.Once
	return ln.Addr().String(), func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		})
	}, nil
}

// opsOptions are the flags of run (and sandbox) for operations: metrics
// and daily backups.
type opsOptions struct {
	metricsAddr *string
	backupDir   *string // nil in the sandbox
	backupKeep  *int
}

// opsFlags adds --metrics-addr, --backup-dir and --backup-keep to fs, their
// defaults from the environment.
func (m *Main) opsFlags(fs *flag.FlagSet) (*opsOptions, error) {
	keep := defaultBackupKeep
	if v := m.env("PARLABOT_BACKUP_KEEP", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, usagef("PARLABOT_BACKUP_KEEP=%q: give a number of daily backups to keep, 1 or more", v)
		}
		keep = n
	}
	return &opsOptions{
		metricsAddr: fs.String("metrics-addr", m.env("PARLABOT_METRICS_ADDR", ""), "serve Prometheus /metrics and /healthz on `address`, e.g. 127.0.0.1:9090 (PARLABOT_METRICS_ADDR; off when empty)"),
		backupDir:   fs.String("backup-dir", m.env("PARLABOT_BACKUP_DIR", ""), "write a daily backup of the database into `directory`, as parlabot-YYYY-MM-DD.db (PARLABOT_BACKUP_DIR; off when empty)"),
		backupKeep:  fs.Int("backup-keep", keep, "how many daily `backups` to keep in --backup-dir (PARLABOT_BACKUP_KEEP)"),
	}, nil
}

// metricsFlag adds only --metrics-addr (the sandbox has no backups).
func (m *Main) metricsFlag(fs *flag.FlagSet) *opsOptions {
	return &opsOptions{metricsAddr: fs.String("metrics-addr", m.env("PARLABOT_METRICS_ADDR", ""), "serve Prometheus /metrics and /healthz on `address` (PARLABOT_METRICS_ADDR; off when empty)")}
}

// check refuses flags that make no sense together.
func (o *opsOptions) check(fs *flag.FlagSet) error {
	switch {
	case o.backupDir == nil:
	case *o.backupDir == "" && flagSet(fs, "backup-keep"):
		return usagef("--backup-keep needs --backup-dir, the directory of the daily backups")
	case *o.backupDir != "" && *o.backupKeep < 1 && flagSet(fs, "backup-keep"):
		return usagef("--backup-keep %d: keep at least 1 daily backup", *o.backupKeep)
	case *o.backupDir != "" && *o.backupKeep < 1:
		return usagef("PARLABOT_BACKUP_KEEP=%d: keep at least 1 daily backup", *o.backupKeep)
	}
	return nil
}

// ops is what runs beside the bot: the metrics server and the daily
// backups.
type ops struct {
	metrics *bot.Metrics // nil without --metrics-addr
	health  *health
	stops   []func()
	once    sync.Once
}

// stop stops the metrics server and waits for a backup in progress, so the
// database can close. It may be called more than once.
func (o *ops) stop() {
	o.once.Do(func() {
		for _, f := range slices.Backward(o.stops) {
			f()
		}
	})
}

// startOps starts what the options ask for beside the bot.
func (m *Main) startOps(ctx context.Context, opt *opsOptions, store *boltstore.Store, log *slog.Logger) (*ops, error) {
	o := &ops{health: &health{ctx: ctx, read: func(ctx context.Context) error {
		_, err := store.UpdateSeen(ctx, 0)
		return err
	}}}
	if *opt.metricsAddr != "" {
		o.metrics = bot.NewMetrics()
		_, stop, err := serveMetrics(*opt.metricsAddr, o.metrics, o.health, log)
		if err != nil {
			return nil, err
		}
		o.stops = append(o.stops, stop)
	}
	if opt.backupDir != nil && *opt.backupDir != "" {
		wait, err := m.startBackups(ctx, *opt.backupDir, *opt.backupKeep, store, log, o.metrics)
		if err != nil {
			o.stop()
			return nil, err
		}
		o.stops = append(o.stops, wait)
	}
	return o, nil
}
