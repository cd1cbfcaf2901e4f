package bot

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/i18n"
)

// reference is the reference consultation's slug (testdata/livestream-2026.yaml).
const reference = "livestream-2026"

// clock is a settable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// harness runs the real bot, on a real database file, against the fake
// Telegram, and can restart it as a crash would.
type harness struct {
	t      *testing.T
	srv    *telegramtest.Server
	path   string
	clock  *clock
	store  *boltstore.Store
	bot    *Bot
	cancel context.CancelFunc
	done   chan error
	admins []int64 // Config.Admins
	// configure, if set, changes the Config of the bots start starts
	// (set it, then restart), for tests that need other settings.
	configure func(*Config)
}

// newHarness starts a bot with the reference consultation imported, at a
// time when it is open.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWithAdmins(t)
}

// newHarnessWithAdmins is newHarness with the given admins configured.
func newHarnessWithAdmins(t *testing.T, admins ...int64) *harness {
	t.Helper()
	h := &harness{
		admins: admins,
		t:      t,
		srv:    telegramtest.New(),
		path:   filepath.Join(t.TempDir(), "parlabot.db"),
		clock:  &clock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)},
	}
	t.Cleanup(func() {
		h.stop()
		h.srv.Close()
	})
	h.open()
	h.importFile("testdata/livestream-2026.yaml")
	h.start()
	return h
}

func (h *harness) open() {
	h.t.Helper()
	s, err := boltstore.Open(h.path, boltstore.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.store = s
}

// importFile imports a consultation file as `parlabot import` does.
func (h *harness) importFile(path string) *consultations.Consultation {
	h.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	f, err := consultations.ParseFile(data)
	if err != nil {
		h.t.Fatalf("parse %s: %v", path, err)
	}
	c := f.Consultation
	c.SettleImported(nil, h.clock.Now())
	if err := h.store.PutConsultation(context.Background(), c); err != nil {
		h.t.Fatalf("import %s: %v", path, err)
	}
	return c
}

func (h *harness) start() {
	h.t.Helper()
	msgs, err := i18n.New("es")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{
		Token: h.srv.Token(), APIURL: h.srv.URL(), Store: h.store, Messages: msgs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock.Now,
		PollTimeout: 2 * time.Second, Workers: 4, Admins: h.admins,
		RateLimit: -1, // the clock stands still: a test's updates would be one burst (ratelimit_test.go turns it on)
	}
	if h.configure != nil {
		h.configure(&cfg)
	}
	b, err := New(ctx, cfg)
	if err != nil {
		cancel()
		h.t.Fatalf("new bot: %v", err)
	}
	h.bot, h.cancel, h.done = b, cancel, make(chan error, 1)
	go func() { h.done <- b.Run(ctx) }()
}

// stop stops the bot as SIGTERM would and closes the database.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("bot stopped with %v", err)
	}
	h.cancel = nil
	h.store.Close()
}

// restart stops the bot and starts a new one on the same database.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.open()
	h.start()
}

// citizen is a test citizen with helpers that fail the test on error.
type citizen struct {
	*telegramtest.User
	h *harness
}

// citizen is a citizen who has already accepted the privacy notice (their
// consent is in the store), so /start goes straight to the welcome.
func (h *harness) citizen(id int64, lang string) *citizen {
	h.t.Helper()
	consent(h.t, h.store, id, h.clock.Now())
	return &citizen{User: h.srv.User(id, lang), h: h}
}

// newcomer is a citizen who has never written to the bot: they get the
// privacy notice first.
func (h *harness) newcomer(id int64, lang string) *citizen {
	return &citizen{User: h.srv.User(id, lang), h: h}
}

// consent records in the store that the citizen accepted the privacy
// notice at now, unless they already had.
func consent(tb testing.TB, store consultations.Store, id int64, now time.Time) {
	tb.Helper()
	c, err := store.Citizen(context.Background(), id)
	switch {
	case consultations.ErrorCode(err) == consultations.ENOTFOUND:
		c = &consultations.Citizen{UserID: id, Created: now}
	case err != nil:
		tb.Fatalf("read citizen %d: %v", id, err)
	case c.HasConsented():
		return
	}
	c.Consented = now
	if err := store.Commit(context.Background(), consultations.Change{Citizen: c}); err != nil {
		tb.Fatalf("record the consent of citizen %d: %v", id, err)
	}
}

// ctx bounds a wait for the bot: generous, as it only guards against a
// hang, and the race detector on a busy machine slows the charts a lot.
func (c *citizen) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c.h.t.Cleanup(cancel)
	return ctx
}

func (c *citizen) send(text string) {
	c.h.t.Helper()
	if err := c.SendWait(c.ctx(), text); err != nil {
		c.h.t.Fatalf("send %q: %v", text, err)
	}
}

func (c *citizen) tap(labels ...string) {
	c.h.t.Helper()
	for _, l := range labels {
		if err := c.TapWait(c.ctx(), l); err != nil {
			c.h.t.Fatalf("tap %q: %v\nlast message: %s", l, err, c.Last().Plain)
		}
	}
}

// sees fails unless the bot's latest message contains want.
func (c *citizen) sees(want string) {
	c.h.t.Helper()
	if got := c.Last().Plain; !contains(got, want) {
		c.h.t.Fatalf("last message:\n%s\nwant it to contain %q", got, want)
	}
}

// said fails unless one of the bot's messages contains want.
func (c *citizen) said(want string) {
	c.h.t.Helper()
	for _, m := range c.Messages() {
		if m.FromBot && strings.Contains(m.Plain, want) {
			return
		}
	}
	c.h.t.Fatalf("no message from the bot contains %q; last: %s", want, c.Last().Plain)
}

// message returns the chat's message with the id, as it shows now.
func (c *citizen) message(id int) telegramtest.Message {
	c.h.t.Helper()
	for _, m := range c.Messages() {
		if m.ID == id {
			return m
		}
	}
	c.h.t.Fatalf("no message %d", id)
	return telegramtest.Message{}
}

// buttons are the labels of the bot's latest message's buttons.
func (c *citizen) buttons() []string {
	var labels []string
	for _, row := range c.Last().Keyboard {
		for _, b := range row {
			labels = append(labels, b.Text)
		}
	}
	return labels
}

// hasButton reports whether the latest message has a button labelled label.
func (c *citizen) hasButton(label string) bool {
	return slices.Contains(c.buttons(), label)
}

// responseOrNil is the citizen's stored response, or nil when there is none.
func (c *citizen) responseOrNil() *consultations.Response {
	c.h.t.Helper()
	key, _ := c.h.store.Secret(context.Background(), consultations.PseudonymKey)
	r, err := c.h.store.Response(context.Background(), reference, consultations.Pseudonym(key, c.ID()))
	if err != nil {
		return nil
	}
	return r
}

// response is the citizen's stored response to the reference consultation.
func (c *citizen) response() *consultations.Response {
	c.h.t.Helper()
	key, err := c.h.store.Secret(context.Background(), consultations.PseudonymKey)
	if err != nil {
		c.h.t.Fatal(err)
	}
	r, err := c.h.store.Response(context.Background(), reference, consultations.Pseudonym(key, c.ID()))
	if err != nil {
		c.h.t.Fatalf("response of citizen %d: %v", c.ID(), err)
	}
	return r
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
