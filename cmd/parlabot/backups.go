package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parlabot/parlabot/bot"
)

// backupEvery is how often the bot looks whether today's backup is
// written: a new day's backup is made within the hour after midnight, and
// one that failed is tried again an hour later.
const backupEvery = time.Hour

// defaultBackupKeep is how many daily backups --backup-keep keeps.
const defaultBackupKeep = 7

// backupFile matches the names of daily backups, and only them: pruning
// never touches another file in the directory.
var backupFile = regexp.MustCompile(`^parlabot-\d{4}-\d{2}-\d{2}\.db$`)

// leftoverAge is how old the temporary file of an interrupted backup (a
// crash mid-copy) must be before it is removed.
const leftoverAge = 24 * time.Hour

// backupSource is what daily backups copy: the store, while it serves.
type backupSource interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

// dailyBackups writes a consistent copy of the database once a day to
// dir/parlabot-YYYY-MM-DD.db (the day by the bot's clock), atomically, and
// keeps the newest keep of them.
type dailyBackups struct {
	dir     string
	keep    int
	store   backupSource
	now     func() time.Time
	log     *slog.Logger
	metrics *bot.Metrics
}

// name is the file of day's backup.
func backupName(day time.Time) string {
	return "parlabot-" + day.Format("2006-01-02") + ".db"
}

// due reports whether the backup of now's day is still to be written.
func (d *dailyBackups) due(now time.Time) bool {
	_, err := os.Stat(filepath.Join(d.dir, backupName(now)))
	return err != nil
}

// tick writes today's backup when it is missing, then removes the oldest
// beyond keep. A failure is logged and counted; the next tick tries again.
func (d *dailyBackups) tick(ctx context.Context) error {
	now := d.now()
	if !d.due(now) {
		return nil
	}
	path := filepath.Join(d.dir, backupName(now))
	start := time.Now()
	n, err := d.write(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			d.log.Info("daily backup interrupted by the stop; it is made at the next start", "file", path)
			return err
		}
		d.metrics.BackupFailed()
		d.log.Error("daily backup failed; trying again within the hour", "file", path, "err", err)
		return err
	}
	d.metrics.BackupWritten(now, n)
	d.log.Info("daily backup written", "file", path, "bytes", n, "seconds", time.Since(start).Seconds())
	if err := d.prune(now); err != nil {
		d.log.Warn("remove old backups", "err", err)
	}
	return nil
}

// write copies the database to path: into a temporary file beside it,
// synced to disk, then renamed, so that path is a whole backup or absent.
func (d *dailyBackups) write(ctx context.Context, path string) (int64, error) {
	f, err := os.CreateTemp(d.dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("create a temporary file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := d.store.Backup(ctx, f)
	if err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, fmt.Errorf("rename to %s: %w", path, err)
	}
	done = true
	if dir, err := os.Open(d.dir); err == nil { // make the rename itself durable
		dir.Sync()
		dir.Close()
	}
	return n, nil
}

// prune removes the oldest daily backups beyond keep (never today's), and
// temporary files that interrupted backups left over a day ago.
func (d *dailyBackups) prune(now time.Time) error {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return err
	}
	var backups []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type().IsRegular() && backupFile.MatchString(name):
			backups = append(backups, name)
		case strings.HasPrefix(name, ".parlabot-") && strings.Contains(name, ".db.tmp-"):
			if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > leftoverAge {
				if err := os.Remove(filepath.Join(d.dir, name)); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	slices.Sort(backups) // by date: the names sort as their days do
	today := backupName(now)
	for len(backups) > d.keep {
		old := backups[0]
		backups = backups[1:]
		if old == today {
			continue
		}
		if err := os.Remove(filepath.Join(d.dir, old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		d.log.Info("old backup removed", "file", filepath.Join(d.dir, old))
	}
	return errors.Join(errs...)
}

// run writes today's backup at once if it is missing, then looks again at
// every tick, until ctx ends.
func (d *dailyBackups) run(ctx context.Context, ticks <-chan time.Time) {
	d.tick(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			d.tick(ctx)
		}
	}
}

// startBackups prepares dir and runs daily backups in the background until
// ctx ends. The function it returns waits for a backup in progress to stop,
// so the database can close.
func (m *Main) startBackups(ctx context.Context, dir string, keep int, store backupSource, log *slog.Logger, metrics *bot.Metrics) (wait func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot use --backup-dir %s: %v", dir, errors.Unwrap(err))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("cannot use --backup-dir %s: not a directory", dir)
	}
	d := &dailyBackups{dir: dir, keep: keep, store: store, now: m.Now, log: log, metrics: metrics}
	ctx, cancel := context.WithCancel(ctx)
	tick := time.NewTicker(backupEvery)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer tick.Stop()
		d.run(ctx, tick.C)
	}()
	return func() { cancel(); wg.Wait() }, nil
}
