package load

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Report is what a load test measured, for people (WriteTable) and
// programs (its JSON form).
type Report struct {
	Started  time.Time `json:"started"`
	Machine  Machine   `json:"machine"`
	Settings Settings  `json:"settings"`
	Results  []Result  `json:"results"`
	// Ratios are parlabot's taps per second as a share of the null bot's,
	// by transport.
	Ratios []Ratio `json:"ratios,omitempty"`
}

// Machine is where the test ran: the bots and the load generator share it.
type Machine struct {
	CPUs int    `json:"cpus"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
	Go   string `json:"go"`
}

// Settings are the test's settings.
type Settings struct {
	Citizens    int     `json:"citizens"`
	Concurrency int     `json:"concurrency,omitempty"` // closed loop
	ThinkMS     float64 `json:"think_ms,omitempty"`
	Rate        float64 `json:"rate,omitempty"` // open loop: taps per second asked for
	Existing    int     `json:"existing"`       // completed responses in the database at the start
}

// Result is one run: one bot over one transport.
type Result struct {
	Transport string `json:"transport"`
	Bot       string `json:"bot"`
	// Completed is how many citizens took every step; Errors how many gave up.
	Completed    int      `json:"completed"`
	Errors       int      `json:"errors"`
	ErrorSamples []string `json:"error_samples,omitempty"`
	// Taps is the updates the citizens sent and the bot reacted to (for
	// the null bot: acknowledged), over Seconds.
	Taps          int     `json:"taps"`
	Seconds       float64 `json:"seconds"`
	TapsPerSecond float64 `json:"taps_per_second"`
	// Answers is the answers to questions stored in the database by the
	// run, StoredResponses its completed responses (parlabot only).
	Answers          int     `json:"answers"`
	AnswersPerSecond float64 `json:"answers_per_second"`
	StoredResponses  int     `json:"stored_responses"`
	// Latency is from a citizen's tap reaching Telegram to the bot's first
	// reaction reaching it (an edit, a message, an answer to the tap; for
	// the null bot, its acknowledgement), in milliseconds.
	Latency Latency `json:"latency_ms"`
	// The bot process's CPU time and peak resident memory over its whole
	// life, start and stop included, and its database's size at the end.
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUPerTap is the bot's CPU time per tap, in milliseconds: what a
	// tap costs whatever else the machine runs, so 1000/CPUPerTap is the
	// taps per second one core holds.
	CPUPerTap     float64 `json:"cpu_ms_per_tap"`
	UserSeconds   float64 `json:"user_seconds"`
	SystemSeconds float64 `json:"system_seconds"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"`
	// At the end of the run, before stopping: the bot's own memory (heap,
	// stacks) and the pages of the database file it had mapped, which the
	// kernel takes back when memory runs short (Linux only).
	AnonRSSBytes int64 `json:"anon_rss_bytes,omitempty"`
	FileRSSBytes int64 `json:"file_rss_bytes,omitempty"`
	DBBytes      int64 `json:"db_bytes,omitempty"`
	// GeneratorCPUSeconds is the CPU time the load generator and the fake
	// Telegram used meanwhile, on the same machine.
	GeneratorCPUSeconds float64 `json:"generator_cpu_seconds"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Ratio is parlabot's rate as a share of the null bot's over a transport.
type Ratio struct {
	Transport string  `json:"transport"`
	Ratio     float64 `json:"parlabot_over_null"`
}

// ratios computes the ratio for each transport that ran both bots.
func (r *Report) ratios() {
	for _, p := range r.Results {
		if p.Bot != Parlabot {
			continue
		}
		for _, n := range r.Results {
			if n.Bot == Null && n.Transport == p.Transport && n.TapsPerSecond > 0 {
				r.Ratios = append(r.Ratios, Ratio{Transport: p.Transport, Ratio: p.TapsPerSecond / n.TapsPerSecond})
			}
		}
	}
}

// summary is a result on one line, for progress.
func (r Result) summary() string {
	s := fmt.Sprintf("%s taps/s, p99 %s, %d of %d citizens completed", thousands(r.TapsPerSecond), millis(r.Latency.P99), r.Completed, r.Completed+r.Errors)
	if r.Bot == Parlabot {
		s += fmt.Sprintf(", %s answers stored", thousands(float64(r.Answers)))
	}
	return s
}

// WriteTable writes the report as a table with what it means below.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	mode := fmt.Sprintf("closed loop, %s citizens at once", thousands(float64(r.Settings.Concurrency)))
	if r.Settings.ThinkMS > 0 {
		mode += fmt.Sprintf(", %s between taps", millis(r.Settings.ThinkMS))
	}
	if r.Settings.Rate > 0 {
		mode = fmt.Sprintf("open loop at %s taps/s", thousands(r.Settings.Rate))
	}
	fmt.Fprintf(&b, "parlabot loadtest: %s citizens, %s; %s citizens already in the database; %d CPUs (%s/%s, %s), shared by the bot and the load generator\n\n",
		thousands(float64(r.Settings.Citizens)), mode, thousands(float64(r.Settings.Existing)), r.Machine.CPUs, r.Machine.OS, r.Machine.Arch, r.Machine.Go)
	rows := [][]string{{"transport", "bot", "taps/s", "answers/s", "p50", "p95", "p99", "cpu-s", "cpu/tap", "peak-RSS", "db", "errors", "gen-cpu-s"}}
	for _, res := range r.Results {
		answers, db := "-", "-"
		if res.Bot == Parlabot {
			answers, db = thousands(res.AnswersPerSecond), megabytes(res.DBBytes)
		}
		rows = append(rows, []string{res.Transport, res.Bot, thousands(res.TapsPerSecond), answers,
			millis(res.Latency.P50), millis(res.Latency.P95), millis(res.Latency.P99),
			strconv.FormatFloat(res.CPUSeconds, 'f', 1, 64), strconv.FormatFloat(res.CPUPerTap, 'f', 2, 64) + "ms",
			megabytes(res.PeakRSSBytes), db,
			strconv.Itoa(res.Errors), strconv.FormatFloat(res.GeneratorCPUSeconds, 'f', 1, 64)})
	}
	writeColumns(&b, rows, 2)
	for _, ra := range r.Ratios {
		fmt.Fprintf(&b, "ratio parlabot/null (%s): %.2f\n", ra.Transport, ra.Ratio)
	}
	b.WriteString("\ntaps/s: updates (taps and messages) the bot reacted to per second; for the null bot, updates acknowledged.\n" +
		"answers/s: answers to questions stored, each synced to disk before the citizen saw the next question.\n" +
		"p50/p95/p99: from a tap reaching Telegram to the bot's first reaction (for the null bot, its acknowledgement).\n" +
		"cpu-s, peak-RSS: the bot process, start to stop; cpu/tap: its CPU time per tap (one core holds 1000/cpu-ms taps/s).\n" +
		"gen-cpu-s: the load generator and fake Telegram meanwhile, on the same CPUs.\n")
	for _, res := range r.Results {
		for _, s := range res.ErrorSamples {
			fmt.Fprintf(&b, "error (%s %s): %s\n", res.Transport, res.Bot, s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeColumns writes rows as aligned columns, the first left words
// aligned left and the rest, figures, aligned right.
func writeColumns(b *strings.Builder, rows [][]string, left int) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case i < left:
				b.WriteString(cell + pad)
			default:
				b.WriteString(pad + cell)
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
}

// english writes numbers as the report's English does: 1,000,000.
var english = message.NewPrinter(language.English)

// thousands formats v rounded, with thousands separated by commas.
func thousands(v float64) string { return english.Sprintf("%d", int64(math.Round(v))) }

// millis formats a latency in milliseconds.
func millis(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
}

// megabytes formats a size in MB (10^6 bytes).
func megabytes(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}
