package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/cmd/parlabot/internal/load"
)

// asCommand, set in the environment, makes the test binary run as the
// parlabot command: the load test starts its bots as `os.Executable()
// run ...`, which under `go test` is this binary. (Its name lacks the
// PARLABOT_ prefix the load test keeps from its bots.)
const asCommand = "GO_TEST_PARLABOT_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		main()
		return
	}
	os.Setenv(asCommand, "1")
	os.Exit(m.Run())
}

// loadtest runs `parlabot loadtest` with args and decodes its JSON report.
func loadtest(t *testing.T, args ...string) *load.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := parlabot(t, ctx, nil, append([]string{"loadtest", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var rep load.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
	}
	return &rep
}

// A small load test, both transports, with the null bot: every citizen
// answers every question, the database holds their answers and no more,
// and the figures are those of runs that happened.
func TestLoadtest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot and the null bot four times (several seconds); skipped with -short")
	}
	const citizens, existing = 40, 25
	rep := loadtest(t, "--citizens", "40", "--concurrency", "8", "--existing", "25")
	if rep.Settings.Citizens != citizens || rep.Settings.Existing != existing {
		t.Errorf("settings = %+v, want %d citizens and %d existing", rep.Settings, citizens, existing)
	}
	var runs []string
	for _, res := range rep.Results {
		run := res.Transport + " " + res.Bot
		runs = append(runs, run)
		if res.Completed != citizens || res.Errors != 0 || res.Taps != citizens*11 {
			t.Errorf("%s: %d completed, %d errors, %d taps; want %d, 0, %d (errors: %q)",
				run, res.Completed, res.Errors, res.Taps, citizens, citizens*11, res.ErrorSamples)
		}
		l := res.Latency
		if !(0 < l.P50 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max) {
			t.Errorf("%s: latencies %+v, want 0 < p50 <= p95 <= p99 <= max", run, l)
		}
		if res.TapsPerSecond <= 0 || res.Seconds <= 0 || res.CPUSeconds <= 0 || res.PeakRSSBytes <= 0 {
			t.Errorf("%s: %.1f taps/s over %.2f s, %.2f cpu-s, %d bytes peak; want all above 0",
				run, res.TapsPerSecond, res.Seconds, res.CPUSeconds, res.PeakRSSBytes)
		}
		if runtime.GOOS == "linux" && (res.AnonRSSBytes <= 0 || res.FileRSSBytes <= 0 || res.AnonRSSBytes+res.FileRSSBytes > res.PeakRSSBytes) {
			t.Errorf("%s: %d bytes of its own and %d of files resident at the end, %d at the peak; want both above 0, within the peak",
				run, res.AnonRSSBytes, res.FileRSSBytes, res.PeakRSSBytes)
		}
		switch res.Bot {
		case load.Parlabot:
			if res.Answers != citizens*6 || res.StoredResponses != citizens || res.DBBytes <= 0 || res.AnswersPerSecond <= 0 {
				t.Errorf("%s: %d answers in %d responses stored (%d bytes, %.1f/s); want %d in %d",
					run, res.Answers, res.StoredResponses, res.DBBytes, res.AnswersPerSecond, citizens*6, citizens)
			}
		case load.Null:
			if res.Answers != 0 || res.DBBytes != 0 {
				t.Errorf("%s: %d answers, %d bytes of database; the null bot stores nothing", run, res.Answers, res.DBBytes)
			}
		}
	}
	if got, want := strings.Join(runs, ", "), "polling parlabot, polling null, webhook parlabot, webhook null"; got != want {
		t.Fatalf("runs = %s, want %s", got, want)
	}
	if len(rep.Ratios) != 2 {
		t.Fatalf("ratios = %+v, want one per transport", rep.Ratios)
	}
	for i, ra := range rep.Ratios {
		bot, null := rep.Results[2*i], rep.Results[2*i+1]
		if want := bot.TapsPerSecond / null.TapsPerSecond; ra.Transport != bot.Transport || ra.Ratio != want {
			t.Errorf("ratio %+v, want %s %.3f", ra, bot.Transport, want)
		}
	}
}

// In an open loop the citizens tap at the rate asked, and all finish.
func TestLoadtestOpenLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot; skipped with -short")
	}
	rep := loadtest(t, "--citizens", "30", "--rate", "300", "--transport", "webhook", "--null=false")
	if len(rep.Results) != 1 || rep.Settings.Rate != 300 {
		t.Fatalf("report = %+v, want one run at 300 taps/s", rep)
	}
	res := rep.Results[0]
	if res.Transport != load.Webhook || res.Bot != load.Parlabot || res.Completed != 30 || res.Answers != 30*6 {
		t.Errorf("%s %s: %d completed, %d answers; want webhook parlabot, 30, 180 (errors: %q)",
			res.Transport, res.Bot, res.Completed, res.Answers, res.ErrorSamples)
	}
	// 330 taps at 300 a second cannot take less than a second.
	if res.Seconds < 1 {
		t.Errorf("330 taps took %.2f s at 300 taps/s; the open loop did not pace them", res.Seconds)
	}
}

func TestLoadtestBadUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--transport", "carrier-pigeon"}, `--transport "carrier-pigeon": use polling, webhook or both`},
		{[]string{"--rate", "1000", "--concurrency", "50"}, "--rate sets an open loop"},
		{[]string{"--citizens", "0"}, "--citizens 0: give at least 1"},
		{[]string{"extra"}, `loadtest takes no arguments, got "extra"`},
	} {
		r := parlabot(t, context.Background(), nil, append([]string{"loadtest"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("loadtest %q: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
