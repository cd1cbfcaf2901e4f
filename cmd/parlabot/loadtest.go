package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/parlabot/parlabot/cmd/parlabot/internal/load"
)

// loadTest runs the load test: simulated citizens answering the reference
// consultation through a local Telegram emulator, against parlabot and
// the null bot, each a process of its own, and prints what they held.
func (m *Main) loadTest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	citizens := fs.Int("citizens", 10_000, "how many citizens answer the reference consultation in each run")
	concurrency := fs.Int("concurrency", 500, "closed loop: how many citizens answer at once, each tapping again as soon as the bot reacts")
	think := fs.Duration("think", 0, "closed loop: a citizen's pause between the bot's reaction and their next tap, e.g. 2s")
	rate := fs.Float64("rate", 0, "open loop instead: `taps` per second, whatever the bot's pace (e.g. 1000, for the latency at that rate)")
	transport := fs.String("transport", "both", "how updates reach the bot: polling, webhook or both")
	null := fs.Bool("null", true, "also run the null bot, which only acknowledges updates, as the baseline")
	existing := fs.Int("existing", 0, "citizens with a completed response put in a new database before the runs, e.g. 100000")
	db := fs.String("db", "", "start each run from a copy of this database `file`, created (with the reference consultation and --existing citizens) if missing; default: a new one")
	dir := fs.String("dir", "", "keep the runs' databases and the bots' logs in `directory`; default: a temporary one, removed unless a run fails")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	profile := fs.String("profile", "", "write CPU profiles of each bot and of the load generator into `directory`")
	seed := fs.Uint64("seed", 1, "seed of the citizens' answers")
	if err := m.parseQuietly(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("loadtest takes no arguments, got %q", fs.Arg(0))
	}
	cfg := load.Config{Citizens: *citizens, Concurrency: *concurrency, Think: *think, Rate: *rate, Existing: *existing,
		DB: *db, Dir: *dir, ProfileDir: *profile, Seed: *seed, Progress: m.Stderr, Bots: []string{load.Parlabot}}
	switch {
	case *citizens < 1:
		return usagef("--citizens %d: give at least 1", *citizens)
	case *concurrency < 1:
		return usagef("--concurrency %d: give at least 1", *concurrency)
	case *think < 0 || *rate < 0 || *existing < 0:
		return usagef("--think, --rate and --existing cannot be negative")
	case *rate > 0 && (flagSet(fs, "concurrency") || flagSet(fs, "think")):
		return usagef("--rate sets an open loop, where --concurrency and --think have no place; use one or the other")
	}
	switch *transport {
	case "both":
		cfg.Transports = []string{load.Polling, load.Webhook}
	case load.Polling, load.Webhook:
		cfg.Transports = []string{*transport}
	default:
		return usagef("--transport %q: use polling, webhook or both", *transport)
	}
	if *null {
		cfg.Bots = append(cfg.Bots, load.Null)
	}
	for _, d := range []string{*dir, *profile} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the parlabot executable to run the bots: %w", err)
	}
	cfg.Executable = exe
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(m.Stdout)
}
