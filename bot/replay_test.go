package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// dyingStore is a store whose process dies right after the commit of one
// update: that commit is on disk, every later write is lost.
type dyingStore struct {
	consultations.Store
	after int64 // the update whose commit is the last one
	dead  atomic.Bool
}

var errDead = errors.New("the process was killed")

func (s *dyingStore) Commit(ctx context.Context, ch consultations.Change) error {
	if s.dead.Load() {
		return errDead
	}
	err := s.Store.Commit(ctx, ch)
	if ch.UpdateID == s.after {
		s.dead.Store(true)
	}
	return err
}

func (s *dyingStore) MarkUpdates(ctx context.Context, ids ...int64) error {
	if s.dead.Load() {
		return errDead
	}
	return s.Store.MarkUpdates(ctx, ids...)
}

// crashBatch hands the updates Telegram holds to a bot that dies after
// committing update after: it neither records the rest nor confirms any.
func (h *harness) crashBatch(after int64) {
	h.t.Helper()
	h.batchOn(&dyingStore{Store: h.store, after: after})
}

// batchOn hands the updates Telegram holds, as one batch, to a bot on the
// store, without confirming them.
func (h *harness) batchOn(store consultations.Store) {
	h.t.Helper()
	msgs, err := i18n.New("es")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx := context.Background()
	b, err := New(ctx, Config{
		Token: h.srv.Token(), APIURL: h.srv.URL(), Store: store, Messages: msgs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock.Now, PollTimeout: time.Second, Workers: 4,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	updates, err := b.api.getUpdates(ctx, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	b.HandleBatch(ctx, updates)
}

// A double tap whose second, stale, tap was handled in the same batch as a
// later Back, then a crash before the stale tap was recorded: delivered
// again, the stale tap must stay stale. Replayed as fresh, it answered the
// question the citizen had gone back to with the old value and moved on, so
// the new answer the citizen then gave was taken as stale, and lost, while
// the citizen saw the next question as if it had been recorded.
func TestStaleTapStaysStaleAfterACrash(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1030, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "4 🙂")
	ana.sees("¿Qué tan probable es que recomiende")
	msg := ana.Last().ID

	h.stop()
	h.open()
	ana.TapData(msg, encodeCallback(actAnswer, "recommend", "7"))
	ana.TapData(msg, encodeCallback(actAnswer, "recommend", "7")) // the double tap
	back := ana.TapData(msg, encodeCallback(actBack, "channels"))
	h.crashBatch(back)
	ana.sees("¿Qué tan probable es que recomiende") // back, with 7 ticked
	if !ana.hasButton("✓ 7") {
		t.Fatalf("buttons after going back: %q, want 7 ticked", ana.buttons())
	}

	// The citizen changes the answer to 3 while the bot restarts.
	changed := ana.TapData(msg, encodeCallback(actAnswer, "recommend", "3"))
	h.start()
	if err := h.srv.WaitConfirmed(ana.ctx(), changed); err != nil {
		t.Fatal(err)
	}
	ana.sees("¿Por dónde prefiere seguir las sesiones?")
	if got := answerString(ana.response().Answers["recommend"]); got != "3" {
		t.Errorf("recommend = %s after the citizen changed it to 3 and saw the next question, want 3", got)
	}
}

// markCounter counts the store's MarkUpdates calls, each a disk sync.
type markCounter struct {
	consultations.Store
	calls atomic.Int32
}

func (s *markCounter) MarkUpdates(ctx context.Context, ids ...int64) error {
	s.calls.Add(1)
	return s.Store.MarkUpdates(ctx, ids...)
}

// Updates that change nothing are recorded together at the end of their
// batch, not one disk sync each, even many from one citizen (a flood).
func TestChangelessUpdatesShareOneRecord(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1031, "es")
	ana.send("/start")
	h.stop()
	h.open()
	for range 10 {
		ana.Send("/help")
	}
	store := &markCounter{Store: h.store}
	h.batchOn(store)
	if n := store.calls.Load(); n != 1 {
		t.Errorf("10 /help in one batch recorded with %d MarkUpdates, want 1", n)
	}
	h.store.Close()
}
