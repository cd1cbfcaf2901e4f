package bot

import (
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parlabot/parlabot/consultations"
)

// Metrics counts what the bot does, for Prometheus: updates received and
// dropped, answers stored, errors by kind, how long updates take, and
// broadcast progress, with Go's runtime and the process's own figures. It
// carries no personal data: no user ids, names or texts, only counts.
// A nil *Metrics counts nothing and costs nothing.
type Metrics struct {
	registry   *prometheus.Registry
	updates    *prometheus.CounterVec
	dropped    *prometheus.CounterVec
	answers    prometheus.Counter
	completed  prometheus.Counter
	errors     *prometheus.CounterVec
	latency    prometheus.Histogram
	deliveries *prometheus.CounterVec
	pending    prometheus.Gauge
	lastBackup prometheus.Gauge
	backupSize prometheus.Gauge
}

// Label values, all present (at zero) from the start, so that a rate over
// them works before the first event.
const (
	updateMessage  = "message"
	updateCallback = "callback"
	updateOther    = "other"

	dropRateLimited = "rate_limited" // over the per-sender rate limit
	dropDuplicate   = "duplicate"    // an update_id handled before
	dropGroup       = "group"        // from a group or channel

	errStore    = "store"    // the database failed
	errTelegram = "telegram" // a call to Telegram failed for good
	errHandler  = "handler"  // a handler returned an error
	errPanic    = "panic"    // a handler panicked
	errBackup   = "backup"   // a daily backup failed
)

// latencyBuckets run from 1 ms (a button that changes nothing) to 10 s (a
// handler held up by retries to Telegram).
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics makes the collectors on a registry of their own (not the
// global default, so nothing else registers there by accident).
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parlabot_updates_received_total",
			Help: "Telegram updates received, by type (message, callback, other).",
		}, []string{"type"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parlabot_updates_dropped_total",
			Help: "Updates not handled, by reason: rate_limited (a sender over the rate limit), duplicate (handled before), group (from a group or channel).",
		}, []string{"reason"}),
		answers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parlabot_answers_stored_total",
			Help: "Answers (or skips) to a question committed to the database.",
		}),
		completed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parlabot_responses_completed_total",
			Help: "Responses that reached the end of their consultation.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parlabot_errors_total",
			Help: "Errors by kind: store (the database), telegram (a call that failed after its retries), handler (an update whose handler failed), panic, backup.",
		}, []string{"kind"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parlabot_handler_duration_seconds",
			Help:    "Time to handle one update, from intake to its last reply.",
			Buckets: latencyBuckets,
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parlabot_broadcast_deliveries_total",
			Help: "Broadcast messages settled, by state: sent, failed (after retries), blocked (the citizen blocked the bot), skipped (unsubscribed or answered since the plan).",
		}, []string{"state"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parlabot_broadcast_pending",
			Help: "Messages still to send in the broadcast being sent (or the last one).",
		}),
		lastBackup: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parlabot_backup_last_success_timestamp_seconds",
			Help: "When the last daily backup was written (Unix time); 0 before the first.",
		}),
		backupSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parlabot_backup_last_size_bytes",
			Help: "Size of the last daily backup written.",
		}),
	}
	for _, v := range []string{updateMessage, updateCallback, updateOther} {
		m.updates.WithLabelValues(v)
	}
	for _, v := range []string{dropRateLimited, dropDuplicate, dropGroup} {
		m.dropped.WithLabelValues(v)
	}
	for _, v := range []string{errStore, errTelegram, errHandler, errPanic, errBackup} {
		m.errors.WithLabelValues(v)
	}
	for _, s := range []consultations.DeliveryState{consultations.DeliverySent, consultations.DeliveryFailed, consultations.DeliveryBlocked, consultations.DeliverySkipped} {
		m.deliveries.WithLabelValues(string(s))
	}
	m.registry.MustRegister(
		m.updates, m.dropped, m.answers, m.completed, m.errors, m.latency,
		m.deliveries, m.pending, m.lastBackup, m.backupSize,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus's text format, for /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// BackupWritten records a daily backup written at at, of size bytes.
func (m *Metrics) BackupWritten(at time.Time, size int64) {
	if m == nil {
		return
	}
	m.lastBackup.Set(float64(at.Unix()))
	m.backupSize.Set(float64(size))
}

// BackupFailed counts a daily backup that could not be written.
func (m *Metrics) BackupFailed() { m.failure(errBackup) }

// received counts an update by its type.
func (m *Metrics) received(u *models.Update) {
	if m == nil {
		return
	}
	kind := updateOther
	switch {
	case u.Message != nil:
		kind = updateMessage
	case u.CallbackQuery != nil:
		kind = updateCallback
	}
	m.updates.WithLabelValues(kind).Inc()
}

// drop counts an update not handled, and why.
func (m *Metrics) drop(reason string) {
	if m == nil {
		return
	}
	m.dropped.WithLabelValues(reason).Inc()
}

// failure counts an error of a kind.
func (m *Metrics) failure(kind string) {
	if m == nil {
		return
	}
	m.errors.WithLabelValues(kind).Inc()
}

// answered counts an answer committed; completed, the response it
// finished.
func (m *Metrics) answered(completed bool) {
	if m == nil {
		return
	}
	m.answers.Inc()
	if completed {
		m.completed.Inc()
	}
}

// handled observes how long an update took since start (real time, not
// the bot's clock: this measures, it decides nothing).
func (m *Metrics) handled(start time.Time) {
	if m == nil {
		return
	}
	m.latency.Observe(time.Since(start).Seconds())
}

// delivered counts a broadcast message settled in state s.
func (m *Metrics) delivered(s consultations.DeliveryState) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(string(s)).Inc()
}

// broadcastPending sets how many messages the current broadcast has left.
func (m *Metrics) broadcastPending(n int) {
	if m == nil {
		return
	}
	m.pending.Set(float64(n))
}
