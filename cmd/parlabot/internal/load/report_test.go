package load

import (
	"strings"
	"testing"
)

// The table shows each run on a line, figures rounded and units given,
// dashes where the null bot has nothing to show, the ratio under it, and
// what the columns mean.
func TestWriteTable(t *testing.T) {
	rep := &Report{
		Machine:  Machine{CPUs: 2, OS: "linux", Arch: "amd64", Go: "go1.26"},
		Settings: Settings{Citizens: 10_000, Concurrency: 500, Existing: 100_000},
		Results: []Result{
			{Transport: Polling, Bot: Parlabot, TapsPerSecond: 3449.6, AnswersPerSecond: 1881.2, CPUSeconds: 41.23, CPUPerTap: 0.374,
				Latency: Latency{P50: 8.04, P95: 25.4, P99: 61}, PeakRSSBytes: 82_400_000, DBBytes: 31_000_000, GeneratorCPUSeconds: 20.04},
			{Transport: Polling, Bot: Null, TapsPerSecond: 9800, Latency: Latency{P50: 2, P95: 4, P99: 7.25},
				CPUSeconds: 3, CPUPerTap: 0.0273, PeakRSSBytes: 12_000_000, Errors: 1, ErrorSamples: []string{"step 3: no confirmed from the bot within 1m0s"}},
		},
	}
	rep.ratios()
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"10,000 citizens, closed loop, 500 citizens at once; 100,000 citizens already in the database; 2 CPUs",
		"\ntransport  bot       taps/s  answers/s    p50    p95    p99  cpu-s  cpu/tap  peak-RSS       db  errors  gen-cpu-s\n" +
			"polling    parlabot   3,450      1,881  8.0ms   25ms   61ms   41.2   0.37ms   82.4 MB  31.0 MB       0       20.0\n" +
			"polling    null       9,800          -  2.0ms  4.0ms  7.2ms    3.0   0.03ms   12.0 MB        -       1        0.0\n",
		"ratio parlabot/null (polling): 0.35",
		"error (polling null): step 3: no confirmed from the bot within 1m0s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 1234567.8: "1,234,568"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
