package bot

import (
	"context"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// Defaults of the per-sender rate limit (Config.RateLimit, StaffRateLimit,
// RateWindow).
const (
	// DefaultRateLimit is how many updates a citizen may send within
	// DefaultRateWindow: far more than anyone answering by hand sends.
	DefaultRateLimit = 20
	// DefaultStaffRateLimit is the same for staff, higher because a clerk
	// legitimately sends bursts (several consultation files at once, the
	// /new dialogue typed quickly) and there are few staff accounts.
	DefaultStaffRateLimit = 60
	// DefaultRateWindow is the time over which updates are counted.
	DefaultRateWindow = 10 * time.Second
)

// maxSenders bounds the memory the limiter uses, about 50 bytes a sender:
// past it, new senders are let through unlimited until idle ones are
// pruned. Only senders active in the last two windows are kept, so a
// parliament's 100,000 citizens are far below it even all at once.
const maxSenders = 500_000

// verdict is what the limiter says of one update.
type verdict int

const (
	admit verdict = iota // handle it
	warn                 // drop it and tell the sender to slow down (once)
	drop                 // drop it silently: the sender was already told
)

// floodGate is the per-sender rate limit: more than limit updates within
// window and the sender is told once to slow down, then their updates are
// dropped until their rate is back under the limit; a later burst is told
// again. Updates dropped still count, so a sender who keeps flooding stays
// out until they stop.
//
// It counts updates in fixed windows and estimates the last window's count
// as the current window's plus the previous one's weighted by how much of it
// still overlaps (a sliding window in two counters): exact for a burst,
// close for a steady rate, and the same few bytes whatever the limit.
type floodGate struct {
	limit, staffLimit int
	window            time.Duration

	mu        sync.Mutex
	senders   map[int64]sender
	lastSweep time.Time
}

// sender is one Telegram user's recent updates.
type sender struct {
	start     int64  // start of the current window, Unix nanoseconds
	prev, cur uint32 // updates in the previous and the current window
	limited   bool   // told to slow down; updates are dropped until calm
}

// newFloodGate returns a limiter, or nil (no limit) when limit is negative.
func newFloodGate(limit, staffLimit int, window time.Duration) *floodGate {
	if limit < 0 {
		return nil
	}
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if staffLimit <= 0 {
		staffLimit = max(DefaultStaffRateLimit, limit)
	}
	if window <= 0 {
		window = DefaultRateWindow
	}
	return &floodGate{limit: limit, staffLimit: staffLimit, window: window, senders: map[int64]sender{}}
}

// check counts an update from user id at now and says what to do with it.
func (g *floodGate) check(id int64, staff bool, now time.Time) verdict {
	limit := g.limit
	if staff {
		limit = g.staffLimit
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	s, ok := g.senders[id]
	if !ok && len(g.senders) >= maxSenders {
		return admit
	}
	t, w := now.UnixNano(), int64(g.window)
	switch el := t - s.start; {
	case !ok || el < 0 || el >= 2*w:
		s.start, s.prev, s.cur = t, 0, 0
	case el >= w:
		s.start, s.prev, s.cur = s.start+w, s.cur, 0
	}
	if s.cur < ^uint32(0) {
		s.cur++
	}
	overlap := 1 - float64(t-s.start)/float64(w)
	count := float64(s.prev)*overlap + float64(s.cur)
	v := admit
	switch {
	case count <= float64(limit):
		s.limited = false
	case s.limited:
		v = drop
	default:
		s.limited, v = true, warn
	}
	g.senders[id] = s
	return v
}

// sweep forgets, once a window, the senders idle for two windows: their
// counts have aged out, so forgetting them changes nothing.
func (g *floodGate) sweep(now time.Time) {
	if now.Sub(g.lastSweep) < g.window {
		return
	}
	g.lastSweep = now
	idle := now.UnixNano() - 2*int64(g.window)
	for id, s := range g.senders {
		if s.start <= idle {
			delete(g.senders, id)
		}
	}
}

// tracked is how many senders the limiter holds.
func (g *floodGate) tracked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.senders)
}

// admit applies the rate limit to an update as it enters: it reports
// whether to handle it. The first update over the limit gets the sender a
// polite request to slow down, in their language; the ones after it are
// dropped without a word (a flood costs no call to Telegram). Dropped
// updates are still recorded as handled by the intake, so Telegram does
// not deliver them again.
func (b *Bot) admit(ctx context.Context, u *models.Update) bool {
	id := senderID(u)
	if b.flood == nil || id == 0 {
		return true
	}
	staff := b.roles.isStaff(id)
	switch b.flood.check(id, staff, b.now()) {
	case admit:
		return true
	case warn:
		b.log.Info("a sender is over the rate limit; their updates are dropped until they slow down", "update_id", u.ID, "staff", staff)
		b.slowDown(ctx, u, id)
	}
	b.metrics.drop(dropRateLimited)
	return false
}

// slowDown asks the sender, in their private chat with the bot, to slow
// down, and stops the spinner of the button they pressed. Nothing is sent
// to a group.
func (b *Bot) slowDown(ctx context.Context, u *models.Update, id int64) {
	t := &turn{update: u}
	from, chat, query := origin(u)
	t.query = query
	lang := b.msg.Default()
	if from != nil {
		lang = b.msg.Lang(from.LanguageCode)
	}
	if c, err := b.store.Citizen(ctx, id); err == nil && c.LanguageChosen {
		lang = c.Language
	} else if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
		b.metrics.failure(errStore)
	}
	b.answerQuery(ctx, t, "")
	if chat != nil && chat.Type == models.ChatTypePrivate {
		b.send(ctx, chat.ID, b.msg.T(lang, "rate_limited", nil), nil)
	}
}
