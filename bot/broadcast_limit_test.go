package bot

import (
	"testing"
	"time"

	"github.com/parlabot/parlabot/i18n"
)

// fakeClock is a clock that moves only when told, for the limiters.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiterSpacesMessages(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)}
	l := newRateLimiter(100, clk.Now)
	reserve := func(what string, want time.Duration, wantOK bool) {
		t.Helper()
		got, ok := l.reserve()
		if got != want || ok != wantOK {
			t.Errorf("%s: reserve() = %v, %v; want %v, %v", what, got, ok, want, wantOK)
		}
	}
	reserve("first", 0, true)
	reserve("second at once", 10*time.Millisecond, true)
	reserve("third at once", 20*time.Millisecond, true)
	clk.Advance(time.Second)
	// Idle time is not saved up: after a pause the rate holds from the first message.
	reserve("after a second", 0, true)
	reserve("right after", 10*time.Millisecond, true)

	clk.Advance(time.Second)
	l.holdUntil(clk.Now().Add(3 * time.Second))
	reserve("held", 3*time.Second, false)
	l.holdUntil(clk.Now().Add(time.Second)) // a shorter hold doesn't shorten it
	clk.Advance(2 * time.Second)
	reserve("still held", time.Second, false)
	clk.Advance(time.Second)
	reserve("hold over", 0, true)
	reserve("after the hold", 10*time.Millisecond, true)

	if got := l.rate(); got != 100 {
		t.Errorf("rate() = %v, want 100", got)
	}
	l.setRate(0)
	if got := l.rate(); got != DefaultBroadcastRate {
		t.Errorf("rate() after setRate(0) = %v, want the default %v", got, DefaultBroadcastRate)
	}
}

func TestChatGateOneMessagePerSecond(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)}
	g := newChatGate(clk.Now)
	tests := []struct {
		name    string
		advance time.Duration
		chat    int64
		want    time.Duration
	}{
		{"first to a chat", 0, 1, 0},
		{"another chat", 0, 2, 0},
		{"same chat at once", 0, 1, time.Second},
		{"same chat again", 0, 1, 2 * time.Second},
		{"other chat later", 500 * time.Millisecond, 2, 500 * time.Millisecond},
		{"new chat later", 0, 3, 0},
		{"after the queue", 3 * time.Second, 1, 0},
	}
	for _, tt := range tests {
		clk.Advance(tt.advance)
		if got := g.reserve(tt.chat); got != tt.want {
			t.Errorf("%s: reserve(%d) = %v, want %v", tt.name, tt.chat, got, tt.want)
		}
	}
	// The map forgets chats that may get a message already.
	clk.Advance(time.Hour)
	for i := range 2048 {
		g.reserve(int64(1000 + i%3))
	}
	if n := len(g.next); n > 10 {
		t.Errorf("gate remembers %d chats, want only the last second's", n)
	}
}

func TestAboutDuration(t *testing.T) {
	msgs, err := i18n.New("es")
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{msg: msgs}
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"es", 0, "unos pocos segundos"},
		{"es", 9 * time.Second, "unos pocos segundos"},
		{"es", 44 * time.Second, "alrededor de 40 segundos"},
		{"es", 80 * time.Second, "alrededor de 80 segundos"},
		{"es", 100 * time.Second, "alrededor de 2 minutos"},
		{"en", 100 * time.Second, "about 2 minutes"},
		{"pt", 100 * time.Second, "cerca de 2 minutos"},
		{"fr", 100 * time.Second, "environ 2 minutes"},
		{"en", 61 * time.Minute, "about 61 minutes"},
		{"en", 2*time.Hour + 10*time.Minute, "about 2 hours"},
		{"es", 2 * time.Hour, "alrededor de 2 horas"},
		{"en", 5 * time.Second, "a few seconds"},
	}
	for _, tt := range tests {
		if got := b.aboutDuration(tt.lang, tt.d); got != tt.want {
			t.Errorf("aboutDuration(%s, %v) = %q, want %q", tt.lang, tt.d, got, tt.want)
		}
	}
	if got, want := estimate(2000, 25), 80*time.Second; got != want {
		t.Errorf("estimate(2000, 25) = %v, want %v", got, want)
	}
	if got, want := estimate(50, 0), 2*time.Second; got != want {
		t.Errorf("estimate(50, 0) = %v, want %v at the default rate", got, want)
	}
}
