package bot

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// bcClerk is the admin who broadcasts in these tests.
const bcClerk = 900

// broadcastHarness is the harness with an admin, a fast broadcast rate and
// the broadcast sender running, as Run will start it.
type broadcastHarness struct {
	*harness
	rate    float64
	stopBot func()
}

func newBroadcastHarness(t *testing.T, rate float64) *broadcastHarness {
	t.Helper()
	h := &harness{
		t:      t,
		srv:    telegramtest.New(),
		path:   filepath.Join(t.TempDir(), "parlabot.db"),
		clock:  &clock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)},
		admins: []int64{bcClerk},
	}
	bh := &broadcastHarness{harness: h, rate: rate}
	t.Cleanup(func() {
		bh.stop()
		h.srv.Close()
	})
	h.open()
	h.importFile("testdata/livestream-2026.yaml")
	bh.start()
	return bh
}

func (bh *broadcastHarness) start() {
	bh.t.Helper()
	bh.bot, bh.stopBot = startBroadcastBot(bh.t, bh.srv, bh.store, bh.clock.Now, bh.admins, bh.rate)
}

// stop stops the bot as SIGTERM would (the messages in flight are sent and
// recorded) and closes the database.
func (bh *broadcastHarness) stop() {
	if bh.stopBot == nil {
		return
	}
	bh.stopBot()
	bh.stopBot = nil
	bh.store.Close()
}

// restart stops the bot and starts a new one on the same database.
func (bh *broadcastHarness) restart() {
	bh.t.Helper()
	bh.stop()
	bh.open()
	bh.start()
}

// startBroadcastBot runs the real bot on store against srv, with the
// broadcast sender, and returns it with a function that stops it as
// SIGTERM would.
func startBroadcastBot(tb testing.TB, srv *telegramtest.Server, store consultations.Store, now func() time.Time, admins []int64, rate float64) (*Bot, func()) {
	tb.Helper()
	msgs, err := i18n.New("es")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, Config{
		Token: srv.Token(), APIURL: srv.URL(), Store: store, Messages: msgs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now,
		PollTimeout: 2 * time.Second, Workers: 4, Admins: admins, BroadcastRate: rate,
	})
	if err != nil {
		cancel()
		tb.Fatalf("new bot: %v", err)
	}
	b.broadcaster().backoff = 10 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	return b, func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("bot stopped with %v", err)
		}
	}
}

// subscribers stores subscribed citizens with the ids, chat id = user id,
// in the languages in turn, and creates their chats in the fake Telegram.
func subscribers(tb testing.TB, srv *telegramtest.Server, store consultations.Store, ids []int64, langs ...string) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	sem := make(chan struct{}, 32)
	for i, id := range ids {
		lang := langs[i%len(langs)]
		srv.User(id, lang)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs <- store.Commit(context.Background(), consultations.Change{Citizen: &consultations.Citizen{
				UserID: id, ChatID: id, Language: lang, Subscribed: true, SubscribeAsked: true,
				Created: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Consented: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatalf("store subscriber: %v", err)
		}
	}
}

// answered stores a response of the citizen to the reference consultation.
func (bh *broadcastHarness) answered(id int64, completed bool) {
	bh.t.Helper()
	key, err := bh.store.Secret(context.Background(), consultations.PseudonymKey)
	if err != nil {
		bh.t.Fatal(err)
	}
	r := &consultations.Response{
		Consultation: reference, Participant: consultations.Pseudonym(key, id), Language: "es",
		Started: bh.clock.Now(), Answers: map[string]consultations.Answer{"watched": {Choices: []string{"no"}}},
	}
	if completed {
		r.Completed = bh.clock.Now()
	}
	if err := bh.store.Commit(context.Background(), consultations.Change{Response: r}); err != nil {
		bh.t.Fatal(err)
	}
}

// latestBroadcast is the newest broadcast in the store.
func (bh *broadcastHarness) latestBroadcast() *consultations.Broadcast {
	bh.t.Helper()
	all, err := bh.store.Broadcasts(context.Background())
	if err != nil || len(all) == 0 {
		bh.t.Fatalf("broadcasts = %v, %v; want one", all, err)
	}
	return all[0]
}

// waitBroadcast waits until the broadcast satisfies cond and returns it.
func (bh *broadcastHarness) waitBroadcast(id uint64, what string, cond func(*consultations.Broadcast) bool) *consultations.Broadcast {
	bh.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		bc, err := bh.store.Broadcast(context.Background(), id)
		if err != nil {
			bh.t.Fatalf("read broadcast: %v", err)
		}
		if cond(bc) {
			return bc
		}
		if time.Now().After(deadline) {
			bh.t.Fatalf("broadcast never %s: %+v", what, bc)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func isDone(bc *consultations.Broadcast) bool { return bc.State == consultations.BroadcastDone }

// waitMessage waits until the chat's message id contains want.
func (c *citizen) waitMessage(id int, want string) telegramtest.Message {
	c.h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range c.Messages() {
			if m.ID == id && strings.Contains(m.Plain, want) {
				return m
			}
		}
		if time.Now().After(deadline) {
			c.h.t.Fatalf("message %d never said %q; it says:\n%s", id, want, c.message(id).Plain)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sendsTo counts the successful and failed sendMessage calls per chat.
func sendsTo(srv *telegramtest.Server) (ok, failed map[int64]int) {
	ok, failed = map[int64]int{}, map[int64]int{}
	for _, c := range srv.Calls("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if c.Code == 200 {
			ok[id]++
		} else {
			failed[id]++
		}
	}
	return ok, failed
}

// botMessages are the bot's messages in a chat.
func botMessages(u *telegramtest.User) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range u.Messages() {
		if m.FromBot {
			out = append(out, m)
		}
	}
	return out
}
