package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestFloodGate(t *testing.T) {
	t0 := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type step struct {
		at    float64 // seconds after t0
		n     int     // updates at that moment
		staff bool
		want  []verdict // verdict of each, the last repeated
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a burst of 20 is fine", []step{{0, 20, false, []verdict{admit}}}},
		{"the 21st is warned, the rest dropped", []step{
			{0, 20, false, []verdict{admit}},
			{5, 3, false, []verdict{warn, drop}},
		}},
		{"20 spread over 10 s, then more after", []step{
			{0, 10, false, []verdict{admit}},
			{9, 10, false, []verdict{admit}},
			// At 12.5 s the first 10 are 12.5 s old: out of the last 10 s.
			{12.5, 1, false, []verdict{admit}},
		}},
		{"calm again once the burst ages out, and warned again later", []step{
			{0, 25, false, []verdict{admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, warn, drop}},
			{25, 1, false, []verdict{admit}},
			{26, 30, false, []verdict{admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, warn, drop}},
		}},
		{"dropped updates count: a sender who keeps flooding stays out", []step{
			{0, 30, false, []verdict{admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, admit, warn, drop}},
			{9, 30, false, []verdict{drop}},
			{15, 30, false, []verdict{drop}},
			{26, 1, false, []verdict{admit}},
		}},
		{"staff may send 60", []step{
			{0, 60, true, []verdict{admit}},
			{1, 2, true, []verdict{warn, drop}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFloodGate(0, 0, 0)
			for _, s := range tt.steps {
				for i := range s.n {
					want := s.want[min(i, len(s.want)-1)]
					if got := g.check(42, s.staff, at(s.at)); got != want {
						t.Fatalf("update %d at %vs: verdict %d, want %d", i+1, s.at, got, want)
					}
				}
			}
		})
	}
}

// The limiter forgets senders once they are idle, so its memory follows
// the citizens active in the last seconds, not all who ever wrote.
func TestFloodGateForgetsIdleSenders(t *testing.T) {
	g := newFloodGate(0, 0, 0)
	t0 := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	for id := range int64(100_000) {
		g.check(id+1, false, t0.Add(time.Duration(id)*time.Microsecond))
	}
	if got := g.tracked(); got != 100_000 {
		t.Fatalf("tracked %d senders, want 100000", got)
	}
	g.check(1, false, t0.Add(25*time.Second))
	if got := g.tracked(); got != 1 {
		t.Errorf("after 25 s idle the limiter holds %d senders, want 1 (the one who wrote again)", got)
	}
}

func TestNoRateLimitWhenNegative(t *testing.T) {
	if g := newFloodGate(-1, 0, 0); g != nil {
		t.Errorf("newFloodGate(-1) = %+v, want nil (no limit)", g)
	}
}

// limitedHarness is the harness with the rate limit on (the harness's
// frozen clock would otherwise count every update of a test as one burst).
func limitedHarness(t *testing.T, admins ...int64) *harness {
	t.Helper()
	h := newHarnessWithAdmins(t, admins...)
	h.configure = func(c *Config) { c.RateLimit = 0 }
	h.restartWhenUp()
	return h
}

// restartWhenUp restarts the bot once it is polling (a stop during its
// first call to Telegram is an error of its own).
func (h *harness) restartWhenUp() {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.srv.CallCount("getUpdates") == 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("the bot never polled")
		}
		time.Sleep(time.Millisecond)
	}
	h.restart()
}

// burst sends the text n times without waiting, then waits until the bot
// has confirmed them all; it returns their update ids.
func (c *citizen) burst(n int, text string) []int64 {
	c.h.t.Helper()
	var ids []int64
	for range n {
		ids = append(ids, c.Send(text))
	}
	if err := c.h.srv.WaitConfirmed(c.ctx(), ids[len(ids)-1]); err != nil {
		c.h.t.Fatal(err)
	}
	return ids
}

// count is how many of the bot's messages contain s.
func (c *citizen) count(s string) int {
	n := 0
	for _, m := range c.Messages() {
		if m.FromBot && strings.Contains(m.Plain, s) {
			n++
		}
	}
	return n
}

const slowDownES = "Está enviando mensajes muy rápido"

func TestFloodingCitizenIsToldOnceThenDropped(t *testing.T) {
	h := limitedHarness(t)
	ana := h.citizen(3001, "es")
	ids := ana.burst(25, "/help")
	if got := ana.count("Soy parlabot"); got != 20 {
		t.Errorf("%d help answers to 25 quick /help, want 20", got)
	}
	if got := ana.count(slowDownES); got != 1 {
		t.Errorf("%d slow-down messages, want 1", got)
	}
	for _, id := range ids {
		if seen, err := h.store.UpdateSeen(context.Background(), id); err != nil || !seen {
			t.Errorf("update %d recorded = %v (err %v), want true: a dropped update must not come back", id, seen, err)
		}
	}

	// Calm again: handled as usual.
	h.clock.Set(h.clock.Now().Add(30 * time.Second))
	ana.send("/help")
	if got := ana.count("Soy parlabot"); got != 21 {
		t.Errorf("after a pause, %d help answers, want 21", got)
	}
	// A later burst is told again.
	h.clock.Set(h.clock.Now().Add(30 * time.Second))
	ana.burst(25, "/help")
	if got := ana.count(slowDownES); got != 2 {
		t.Errorf("%d slow-down messages after a second burst, want 2", got)
	}
}

// The slow-down message speaks the citizen's language (the one chosen with
// /language over the app's), and a flood of taps gets the spinner of the
// first tap over the limit stopped, and changes nothing.
func TestSlowDownInTheCitizensLanguage(t *testing.T) {
	h := limitedHarness(t)
	joao := h.citizen(3002, "es")
	joao.send("/language")
	joao.tap("Português")
	joao.send("/start " + reference)
	joao.tap("Começar")
	q := joao.Last()
	var last int64
	for range 25 {
		last = joao.TapData(q.ID, q.Keyboard[1][0].Data) // "Não", again and again
	}
	if err := h.srv.WaitConfirmed(joao.ctx(), last); err != nil {
		t.Fatal(err)
	}
	if got := joao.count("Você está enviando mensagens muito rápido"); got != 1 {
		t.Errorf("%d slow-down messages in Portuguese, want 1; last: %s", got, joao.Last().Plain)
	}
	if got := answerString(joao.response().Answers["watched"]); got != "no" {
		t.Errorf("watched = %q, want no", got)
	}
}

// Staff may send more before they are limited: a clerk's 30 quick commands
// are all answered.
func TestStaffHaveAHigherLimit(t *testing.T) {
	h := limitedHarness(t, 3100)
	boss := h.citizen(3100, "es")
	boss.burst(30, "/help")
	if got := boss.count("Soy parlabot"); got != 30 {
		t.Errorf("%d help answers to a clerk's 30 /help, want 30", got)
	}
	if got := boss.count(slowDownES); got != 0 {
		t.Errorf("a clerk was told to slow down after 30 updates")
	}
}
