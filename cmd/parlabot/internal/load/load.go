package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// The bots a load test runs.
const (
	// Parlabot is the real bot: `parlabot run`.
	Parlabot = "parlabot"
	// Null is the null bot: `parlabot nullbot`, which takes updates and
	// acknowledges them, nothing else.
	Null = "null"
)

// The ways updates reach a bot.
const (
	Polling = "polling"
	Webhook = "webhook"
)

// Config is one load test.
type Config struct {
	// Executable is the parlabot binary the bots run as, with their
	// subcommand (run or nullbot) as its first argument.
	Executable string
	// Env is added to the bots' environment, which is the test's own
	// without its PARLABOT_ and TELEGRAM_ variables, so that they run
	// with the flags they are given and nothing else.
	Env []string
	// DB is the database the runs start from: each run works on a copy of
	// it. It is created, with the reference consultation open and Existing
	// citizens, when it does not exist; empty: a new one in Dir.
	DB string
	// Dir holds the runs' databases and the bots' logs; empty: a temporary
	// directory, removed afterwards unless a run failed.
	Dir string
	// Citizens is how many citizens answer the consultation in each run.
	Citizens int
	// Concurrency is how many citizens answer at once in a closed loop:
	// each taps again as soon as the bot has reacted (after Think).
	Concurrency int
	// Think is a closed-loop citizen's pause between the bot's reaction
	// and their next tap.
	Think time.Duration
	// Rate, when above zero, makes the test an open loop instead: a tap
	// every 1/Rate seconds, by a citizen waiting for their next tap or a
	// new one, however the bot keeps up.
	Rate float64
	// Existing is how many citizens, with their consent and a completed
	// response, a new database is given before the runs.
	Existing int
	// Transports are Polling and/or Webhook, run in that order.
	Transports []string
	// Bots are Parlabot and/or Null, run in that order for each transport.
	Bots []string
	// ProfileDir, when set, receives a CPU profile of each bot process
	// (<transport>-<bot>.cpu.pprof) and of the load generator.
	ProfileDir string
	// StepTimeout is how long a citizen waits for the bot's reaction
	// before giving up (default one minute).
	StepTimeout time.Duration
	// Seed draws the citizens' answers.
	Seed uint64
	// Progress receives a line every few seconds while a run lasts; nil: none.
	Progress io.Writer
}

// steps is how many updates a citizen sends, and answers how many
// answers they leave, answering the reference consultation (see answerer).
const (
	steps   = 11
	answers = 6
)

func (c *Config) check() error {
	switch {
	case c.Executable == "":
		return errors.New("no parlabot executable to run the bots")
	case c.Citizens <= 0:
		return errors.New("citizens must be at least 1")
	case c.Rate < 0:
		return errors.New("rate cannot be negative")
	case c.Rate == 0 && c.Concurrency <= 0:
		return errors.New("concurrency must be at least 1")
	case c.Existing < 0:
		return errors.New("existing cannot be negative")
	case len(c.Transports) == 0 || len(c.Bots) == 0:
		return errors.New("nothing to run: no transport or no bot")
	}
	for _, t := range c.Transports {
		if t != Polling && t != Webhook {
			return fmt.Errorf("unknown transport %q", t)
		}
	}
	for _, b := range c.Bots {
		if b != Parlabot && b != Null {
			return fmt.Errorf("unknown bot %q", b)
		}
	}
	if c.StepTimeout <= 0 {
		c.StepTimeout = time.Minute
	}
	return nil
}

// Run runs the load test: for each transport, each bot in turn, on the
// same kind of traffic. It returns the report of every run that finished;
// a run that could not finish (the bot did not start, or died) ends the test
// with an error naming its log.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	dir, keep := cfg.Dir, true
	if dir == "" {
		d, err := os.MkdirTemp("", "parlabot-loadtest-")
		if err != nil {
			return nil, err
		}
		dir, keep = d, false
	}
	failed := true
	defer func() {
		if !keep && !failed {
			os.RemoveAll(dir)
		}
	}()
	base := cfg.DB
	if base == "" {
		base = filepath.Join(dir, "base.db")
	}
	cfg.progress("preparing the database %s", base)
	start, err := prepare(ctx, base, cfg.Existing, cfg.Progress)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Started: time.Now().UTC(),
		Machine: Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version()},
		Settings: Settings{Citizens: cfg.Citizens, Concurrency: cfg.Concurrency, ThinkMS: ms(cfg.Think),
			Rate: cfg.Rate, Existing: start.citizens},
	}
	if cfg.Rate > 0 {
		rep.Settings.Concurrency = 0
	}
	if cfg.ProfileDir != "" {
		stop, err := ProfileCPU(filepath.Join(cfg.ProfileDir, "loadtest.cpu.pprof"))
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	for _, transport := range cfg.Transports {
		for _, kind := range cfg.Bots {
			r := &runner{cfg: &cfg, dir: dir, base: base, start: start, transport: transport, kind: kind}
			res, err := r.run(ctx)
			if err != nil {
				return rep, fmt.Errorf("%s %s: %w (files kept in %s)", transport, kind, err, dir)
			}
			rep.Results = append(rep.Results, res)
		}
	}
	rep.ratios()
	failed = false
	return rep, nil
}

// progress writes a progress line, if asked for.
func (c *Config) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "loadtest: "+format+"\n", args...)
	}
}

// ms is d in milliseconds, with a fraction.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
