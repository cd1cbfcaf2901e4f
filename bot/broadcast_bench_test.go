package bot

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// BenchmarkBroadcastRate sends a broadcast to 300 subscribers at 100
// messages a second through the real client against telegramtest, and
// reports the rate achieved between the first invitation and the last
// (msgs/s) and its ratio to the configured rate, which should be within 5%.
func BenchmarkBroadcastRate(b *testing.B) {
	const subscribersN, rate = 300, 100.0
	var achieved []float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := telegramtest.New()
		now := func() time.Time { return time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC) }
		store, err := boltstore.Open(filepath.Join(b.TempDir(), "parlabot.db"), boltstore.Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		importReference(b, store, now())
		ids := make([]int64, subscribersN)
		for j := range ids {
			ids[j] = 10000 + int64(j)
		}
		subscribers(b, srv, store, ids, "es", "pt")
		_, stop := startBroadcastBot(b, srv, store, now, []int64{bcClerk}, rate)
		clerk := srv.User(bcClerk, "es")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := clerk.SendWait(ctx, "/broadcast "+reference); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := clerk.TapWait(ctx, "Enviar"); err != nil {
			b.Fatal(err)
		}
		for {
			all, err := store.Broadcasts(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if all[0].State == consultations.BroadcastDone {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		var at []time.Time
		for _, c := range srv.Calls("sendMessage") {
			if id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64); id != bcClerk && c.Code == 200 {
				at = append(at, c.At)
			}
		}
		if len(at) != subscribersN {
			b.Fatalf("%d invitations sent, want %d", len(at), subscribersN)
		}
		slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
		achieved = append(achieved, float64(len(at)-1)/at[len(at)-1].Sub(at[0]).Seconds())
		cancel()
		stop()
		store.Close()
		srv.Close()
	}
	var sum float64
	for _, r := range achieved {
		sum += r
	}
	mean := sum / float64(len(achieved))
	b.ReportMetric(mean, "msgs/s")
	b.ReportMetric(mean/rate, "ratio")
	if mean < 0.95*rate || mean > 1.05*rate {
		b.Errorf("achieved %.1f msgs/s, want within 5%% of %.0f", mean, rate)
	}
}

// importReference imports and opens the reference consultation, as
// `parlabot import` and the harness do.
func importReference(tb testing.TB, store consultations.Store, now time.Time) {
	tb.Helper()
	data, err := os.ReadFile("testdata/livestream-2026.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	f, err := consultations.ParseFile(data)
	if err != nil {
		tb.Fatal(err)
	}
	c := f.Consultation
	c.SettleImported(nil, now)
	if err := store.PutConsultation(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
}
