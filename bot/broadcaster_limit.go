package bot

import (
	"context"
	"sync"
	"time"
)

// rateLimiter spaces broadcast messages evenly, all chats together: a token
// bucket that holds one token, so the rate is never exceeded even for a
// moment. A 429 from Telegram holds every sender until its retry_after.
// Its clock is a field so that tests and benchmarks can drive it.
type rateLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	interval time.Duration // between two messages: 1/rate
	next     time.Time     // when the next message may go
	hold     time.Time     // nothing goes before this
}

// newRateLimiter allows rate messages per second (DefaultBroadcastRate when
// rate is not positive), timed by now.
func newRateLimiter(rate float64, now func() time.Time) *rateLimiter {
	l := &rateLimiter{now: now}
	l.setRate(rate)
	return l
}

// setRate changes the rate; a rate that is not positive means
// DefaultBroadcastRate.
func (l *rateLimiter) setRate(rate float64) {
	if rate <= 0 {
		rate = DefaultBroadcastRate
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.interval = time.Duration(float64(time.Second) / rate)
}

// rate is the configured rate, in messages per second.
func (l *rateLimiter) rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(time.Second) / float64(l.interval)
}

// reserve claims the next free slot and returns how long until it comes.
// While a hold is in place it claims nothing and returns ok false: the
// caller waits d and asks again, and the senders held queue up anew when
// the hold ends, one slot apart.
func (l *rateLimiter) reserve() (d time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.hold) {
		return l.hold.Sub(now), false
	}
	if l.next.Before(now) {
		l.next = now
	}
	d = l.next.Sub(now)
	l.next = l.next.Add(l.interval)
	return d, true
}

// holdUntil keeps every sender waiting until t (a 429's retry_after).
func (l *rateLimiter) holdUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.hold) {
		l.hold = t
	}
}

// held reports whether a hold is in place now.
func (l *rateLimiter) held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now().Before(l.hold)
}

// wait blocks until the caller may send one message, or ctx ends. A hold
// that comes while the caller waits for its slot is honoured too.
func (l *rateLimiter) wait(ctx context.Context) error {
	for {
		d, ok := l.reserve()
		if err := sleep(ctx, d); err != nil {
			return err
		}
		if ok && !l.held() {
			return nil
		}
	}
}

// chatGate keeps a second between two messages to one chat, as Telegram
// asks of bots. Its clock is a field, as rateLimiter's.
type chatGate struct {
	mu    sync.Mutex
	now   func() time.Time
	every time.Duration
	next  map[int64]time.Time // chat -> when it may get a message again
	calls int
}

func newChatGate(now func() time.Time) *chatGate {
	return &chatGate{now: now, every: time.Second, next: map[int64]time.Time{}}
}

// reserve claims the chat's next free slot and returns how long until it.
func (g *chatGate) reserve(chatID int64) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.calls++; g.calls%1024 == 0 {
		// Forget the chats that may get a message already, so the map
		// holds about a second's worth of chats.
		for id, t := range g.next {
			if !t.After(now) {
				delete(g.next, id)
			}
		}
	}
	t := g.next[chatID]
	if t.Before(now) {
		t = now
	}
	g.next[chatID] = t.Add(g.every)
	return t.Sub(now)
}

// wait blocks until the chat may get a message, or ctx ends.
func (g *chatGate) wait(ctx context.Context, chatID int64) error {
	return sleep(ctx, g.reserve(chatID))
}

// sleep waits d, or until ctx ends (then it returns ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
