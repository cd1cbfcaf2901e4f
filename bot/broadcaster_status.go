package bot

import (
	"context"
	"errors"
	"html"
	"math"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// statusView is what a status message says besides the broadcast's
// counters: the state line (a message id) and, while sending, the rate and
// the time left.
type statusView struct {
	state string
	rate  float64       // measured messages per second; 0: not measured yet
	left  time.Duration // estimated; negative: not shown
}

// broadcastStatus is a broadcast's status message, in the clerk's language.
func (b *Bot) broadcastStatus(lang string, bc *consultations.Broadcast, title string, v statusView) string {
	num := func(n int) string { return b.msg.Number(lang, n) }
	var sb strings.Builder
	titleKey := "broadcast_title"
	if bc.Kind == consultations.BroadcastResults {
		titleKey = "broadcast_title_results"
	}
	sb.WriteString("📣 <b>" + b.msg.T(lang, titleKey, nil) + "</b>\n")
	sb.WriteString("<b>" + html.EscapeString(title) + "</b>\n\n")
	sb.WriteString(b.msg.T(lang, "broadcast_sent", map[string]any{"N": num(bc.Sent), "Total": num(bc.Total)}) + "\n")
	sb.WriteString(b.msg.T(lang, "broadcast_failed", map[string]any{"Count": num(bc.Failed)}) + "\n")
	sb.WriteString(b.msg.T(lang, "broadcast_blocked", map[string]any{"Count": num(bc.Blocked)}))
	if bc.Skipped > 0 {
		sb.WriteString("\n" + b.msg.T(lang, "broadcast_skipped", map[string]any{"Count": num(bc.Skipped)}))
	}
	if v.rate > 0 {
		sb.WriteString("\n" + b.msg.N(lang, "broadcast_rate", int(math.Round(v.rate)), nil))
	}
	if v.left >= 0 {
		sb.WriteString("\n" + b.msg.T(lang, "broadcast_time_left", nil) + " " + b.aboutDuration(lang, v.left))
	}
	sb.WriteString("\n\n" + b.msg.T(lang, v.state, nil))
	return sb.String()
}

// aboutDuration says roughly how long d is, as a person would: "a few
// seconds", "about 40 seconds", "about 2 minutes", "about 3 hours".
func (b *Bot) aboutDuration(lang string, d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return b.msg.T(lang, "broadcast_few_seconds", nil)
	case d < 90*time.Second:
		return b.msg.N(lang, "broadcast_about_seconds", int(math.Round(d.Seconds()/10))*10, nil)
	case d < 90*time.Minute:
		return b.msg.N(lang, "broadcast_about_minutes", int(math.Round(d.Minutes())), nil)
	default:
		return b.msg.N(lang, "broadcast_about_hours", int(math.Round(d.Hours())), nil)
	}
}

// estimate is how long n messages take at rate messages per second.
func estimate(n int, rate float64) time.Duration {
	if rate <= 0 {
		rate = DefaultBroadcastRate
	}
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// report keeps a broadcast's status message current while it is sent: an
// edit at most every statusEvery, when something changed, and one at the
// end.
type report struct {
	s     *broadcaster
	id    uint64
	lang  string // the clerk's
	title string
	stop  chan struct{}
	done  chan struct{}

	shown    string // the text the message shows
	prevDone int    // deliveries settled at the last measure
	prevAt   time.Time
	rate     float64 // measured messages per second
}

// startReport starts updating the broadcast's status message.
func (s *broadcaster) startReport(ctx context.Context, bc *consultations.Broadcast) *report {
	r := &report{
		s: s, id: bc.ID, stop: make(chan struct{}), done: make(chan struct{}),
		lang: s.bot.citizenLang(ctx, bc.By), title: bc.Consultation,
		prevDone: bc.Sent + bc.Failed + bc.Blocked + bc.Skipped, prevAt: s.clock(),
	}
	if c, err := s.bot.store.Consultation(ctx, bc.Consultation); err == nil {
		r.title = c.Title.In(r.lang, c.DefaultLanguage)
	}
	go r.loop(ctx)
	return r
}

func (r *report) loop(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(r.s.statusEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-tick.C:
			r.refresh(ctx, "broadcast_status_sending", false)
		}
	}
}

// finish stops the updates and shows how sending ended; nothing is shown
// when the bot is stopping (sending resumes when it starts again).
func (r *report) finish(ctx context.Context, why stopReason) {
	close(r.stop)
	<-r.done
	state := map[stopReason]string{
		stopDone: "broadcast_status_done", stopPaused: "broadcast_status_paused", stopClosed: "broadcast_status_closed",
	}[why]
	if state == "" || ctx.Err() != nil {
		return
	}
	r.refresh(ctx, state, true)
}

// refresh measures the rate and shows the broadcast's progress.
func (r *report) refresh(ctx context.Context, state string, final bool) {
	bc, err := r.s.bot.store.Broadcast(ctx, r.id)
	if err != nil {
		r.s.bot.log.Warn("broadcast: read progress", "broadcast", r.id, "err", err)
		return
	}
	r.s.bot.metrics.broadcastPending(bc.Pending())
	now, done := r.s.clock(), bc.Sent+bc.Failed+bc.Blocked+bc.Skipped
	if el := now.Sub(r.prevAt).Seconds(); el > 0 && !final {
		r.rate = float64(done-r.prevDone) / el
		r.prevDone, r.prevAt = done, now
	}
	v := statusView{state: state, left: -1}
	if !final {
		v.rate = r.rate
		rate := r.rate
		if rate <= 0 {
			rate = r.s.limit.rate()
		}
		v.left = estimate(bc.Pending(), rate)
	}
	text := r.s.bot.broadcastStatus(r.lang, bc, r.title, v)
	if text == r.shown {
		return
	}
	if err := r.s.showStatus(ctx, bc, text, final); err != nil {
		r.s.bot.log.Warn("broadcast: show progress", "broadcast", r.id, "err", err)
		return
	}
	r.shown = text
}

// showStatus puts text in the broadcast's status message, or in a new
// message when that one can't be edited (deleted, too old). Status edits
// count against the rate like any message. A final status is tried again
// after a 429.
func (s *broadcaster) showStatus(ctx context.Context, bc *consultations.Broadcast, text string, final bool) error {
	for try := 1; ; try++ {
		if err := s.limit.wait(ctx); err != nil {
			return err
		}
		if err := s.chats.wait(ctx, bc.ChatID); err != nil {
			return err
		}
		var err error
		if bc.StatusMsg != 0 {
			_, err = s.bot.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{
				ChatID: bc.ChatID, MessageID: bc.StatusMsg, Text: text, ParseMode: models.ParseModeHTML,
			})
		}
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case bc.StatusMsg != 0 && (err == nil || notModified(err)):
			return nil
		case errors.As(err, &tooMany):
			s.limit.holdUntil(s.clock().Add(max(time.Duration(tooMany.RetryAfter)*time.Second, time.Second)))
			if final && try < maxAttempts {
				continue
			}
			return err
		case bc.StatusMsg == 0 || errors.Is(err, tgbot.ErrorBadRequest):
			return s.newStatus(ctx, bc, text)
		default:
			return err
		}
	}
}

// newStatus sends the status anew and remembers the message.
func (s *broadcaster) newStatus(ctx context.Context, bc *consultations.Broadcast, text string) error {
	m, err := s.bot.tg.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: bc.ChatID, Text: text, ParseMode: models.ParseModeHTML})
	if err != nil {
		return err
	}
	bc.StatusMsg = m.ID
	_, _, err = s.change(ctx, bc.ID, func(stored *consultations.Broadcast) bool {
		stored.StatusMsg = m.ID
		return true
	})
	return err
}
