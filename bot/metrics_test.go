package bot

import (
	"bufio"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// scrape reads the metrics as Prometheus would, series name (with its
// labels) to value.
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// metricsHarness is the harness with metrics on.
func metricsHarness(t *testing.T, admins ...int64) (*harness, *Metrics) {
	t.Helper()
	h := newHarnessWithAdmins(t, admins...)
	m := NewMetrics()
	h.configure = func(c *Config) { c.Metrics = m; c.BroadcastRate = 1000 }
	h.restartWhenUp()
	return h, m
}

// want checks series against their expected values.
func wantMetrics(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
}

func TestMetricsCountWhatHappens(t *testing.T) {
	h, m := metricsHarness(t)
	ana := h.citizen(4001, "es")
	start := ana.Send("/start " + reference)
	if err := h.srv.WaitConfirmed(ana.ctx(), start); err != nil {
		t.Fatal(err)
	}
	ana.tap("Comenzar", "Sí", "4 🙂", "9", "Sitio web del Congreso", "Canal de TV", "Confirmar", "Sur")
	ana.send("Más cámaras")
	ana.said("Hasta ahora ha respondido 1 persona.")

	// Telegram delivers an update again: recognised, not handled.
	h.srv.Push(models.Update{ID: start, Message: &models.Message{ID: 1, Chat: models.Chat{ID: ana.ID(), Type: models.ChatTypePrivate}, From: &models.User{ID: ana.ID()}, Text: "/start " + reference}})
	// A command in a group gets a pointer and is not handled.
	id, err := h.srv.PushRaw([]byte(`{"message":{"message_id":5,"date":1765378800,"chat":{"id":-100123,"type":"supergroup","title":"Vecinos"},"from":{"id":4002,"is_bot":false,"first_name":"Luis","language_code":"es"},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	// A reply Telegram refuses is counted as a Telegram error.
	h.srv.Fail("sendMessage", 1, 400, 0)
	ana.send("/help")

	got := scrape(t, m)
	wantMetrics(t, got, map[string]float64{
		`parlabot_updates_received_total{type="message"}`:       5,
		`parlabot_updates_received_total{type="callback"}`:      8,
		`parlabot_updates_received_total{type="other"}`:         0,
		`parlabot_updates_dropped_total{reason="duplicate"}`:    1,
		`parlabot_updates_dropped_total{reason="group"}`:        1,
		`parlabot_updates_dropped_total{reason="rate_limited"}`: 0,
		`parlabot_answers_stored_total`:                         6,
		`parlabot_responses_completed_total`:                    1,
		`parlabot_errors_total{kind="telegram"}`:                2, // the group's chat is unknown to the fake, and the refused /help
		`parlabot_errors_total{kind="store"}`:                   0,
		`parlabot_errors_total{kind="panic"}`:                   0,
		`parlabot_handler_duration_seconds_count`:               13,
	})
	if got[`parlabot_handler_duration_seconds_bucket{le="10"}`] != 13 {
		t.Errorf("latency histogram: %v updates under 10 s, want 13", got[`parlabot_handler_duration_seconds_bucket{le="10"}`])
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := got[series]; !ok {
			t.Errorf("no %s: the Go and process collectors are missing", series)
		}
	}
}

// A broadcast's progress: messages sent, refused by citizens who blocked
// the bot, and none left pending at the end.
func TestMetricsFollowABroadcast(t *testing.T) {
	h, m := metricsHarness(t, bcClerk)
	subscribers(t, h.srv, h.store, []int64{4101, 4102, 4103}, "es")
	h.srv.User(4103, "").SetBlocked(true)
	clerk := h.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	clerk.tap("Enviar")
	all, err := h.store.Broadcasts(clerk.ctx())
	if err != nil || len(all) == 0 {
		t.Fatalf("broadcasts: %v, %v", all, err)
	}
	clerk.waitMessage(all[0].StatusMsg, "✅ Listo: el envío terminó.")
	wantMetrics(t, scrape(t, m), map[string]float64{
		`parlabot_broadcast_deliveries_total{state="sent"}`:    2,
		`parlabot_broadcast_deliveries_total{state="blocked"}`: 1,
		`parlabot_broadcast_deliveries_total{state="failed"}`:  0,
		`parlabot_broadcast_pending`:                           0,
	})
}

// Without metrics the bot counts nothing and works as before.
func TestNilMetricsCountNothing(t *testing.T) {
	var m *Metrics
	m.received(&models.Update{})
	m.drop(dropGroup)
	m.failure(errStore)
	m.answered(true)
	m.delivered("sent")
	m.broadcastPending(3)
	m.BackupWritten(time.Now(), 1)
	m.BackupFailed()
}
