package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// Why sending a broadcast stopped.
type stopReason int

const (
	stopDone     stopReason = iota // every delivery settled
	stopPaused                     // a clerk paused it
	stopClosed                     // its consultation is no longer open
	stopShutdown                   // the bot is stopping
)

// sending is one run of a broadcast: the deliveries in flight and what
// their workers report.
type sending struct {
	s        *broadcaster
	id       uint64
	kind     consultations.BroadcastKind
	slug     string
	invites  map[string]screen // by language
	inflight map[int64]bool    // user ids
	results  chan outcome
	max      int // most deliveries in flight
	wg       sync.WaitGroup
	err      error // the store failed to record a delivery
}

// outcome is what became of a delivery a worker took.
type outcome struct {
	d        consultations.Delivery
	settled  bool // sent, failed or blocked; false: left pending (the bot is stopping)
	recorded bool // the store has it
}

// deliver sends a broadcast's pending deliveries until none is left, a
// clerk pauses it, its consultation closes or ctx ends.
func (s *broadcaster) deliver(ctx context.Context, bc *consultations.Broadcast) error {
	s.setActive(bc.ID)
	defer s.setActive(0)
	if err := s.recordLeftovers(ctx); err != nil {
		return err
	}
	c, err := s.bot.store.Consultation(ctx, bc.Consultation)
	if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
		return err
	}
	rep := s.startReport(ctx, bc)
	if c == nil || (bc.Kind == consultations.BroadcastInvite && c.StatusAt(s.bot.now()) != consultations.StatusOpen) {
		err := s.stopClosed(ctx, bc.ID)
		rep.finish(ctx, stopClosed)
		return err
	}
	// Enough sends in flight to keep the rate with half a second of
	// latency, within reason.
	inFlight := min(max(int(s.limit.rate()/2)+1, 4), 64)
	run := &sending{
		s: s, id: bc.ID, kind: bc.Kind, slug: bc.Consultation,
		invites:  map[string]screen{},
		inflight: map[int64]bool{},
		results:  make(chan outcome, inFlight),
		max:      inFlight,
	}
	var results *consultations.Report
	if bc.Kind == consultations.BroadcastResults {
		if results, err = s.bot.report(ctx, c); err != nil {
			rep.finish(ctx, stopShutdown)
			return err
		}
	}
	for _, lang := range i18n.Languages {
		if bc.Kind == consultations.BroadcastResults {
			run.invites[lang] = s.bot.publicSummary(c, results, lang)
		} else {
			run.invites[lang] = s.bot.invitation(c, lang)
		}
	}
	why, err := run.loop(ctx)
	run.wg.Wait()
	run.collect()
	if err == nil {
		err = run.err
	}
	if err != nil {
		rep.finish(ctx, stopShutdown)
		return err
	}
	switch why {
	case stopDone:
		var finished bool
		_, finished, err = s.change(ctx, bc.ID, func(b *consultations.Broadcast) bool {
			// Nothing is pending in the outbox any more, whatever the
			// counters say.
			if b.State != consultations.BroadcastSending {
				return false
			}
			b.State, b.Finished = consultations.BroadcastDone, s.bot.now()
			return true
		})
		if err == nil && !finished {
			why = stopPaused // paused as the last message went
		}
	case stopClosed:
		err = s.stopClosed(ctx, bc.ID)
	}
	rep.finish(ctx, why)
	return err
}

// stopClosed pauses a broadcast whose consultation no longer takes answers.
func (s *broadcaster) stopClosed(ctx context.Context, id uint64) error {
	_, _, err := s.change(ctx, id, func(b *consultations.Broadcast) bool {
		if b.State != consultations.BroadcastSending {
			return false
		}
		b.State = consultations.BroadcastPaused
		return true
	})
	if err != nil {
		return fmt.Errorf("pause broadcast %d of a closed consultation: %w", id, err)
	}
	return nil
}

// loop hands pending deliveries to workers, one per slot of the rate
// limiter, and says why it stopped. Deliveries in flight are not waited for.
func (r *sending) loop(ctx context.Context) (stopReason, error) {
	s := r.s
	for {
		if ctx.Err() != nil {
			return stopShutdown, nil
		}
		if r.err != nil {
			return stopShutdown, r.err
		}
		if why, stop := r.interrupted(ctx); stop {
			return why, nil
		}
		pending, err := s.bot.store.PendingDeliveries(ctx, r.id, s.batch+len(r.inflight)+len(s.unrecorded))
		if err != nil {
			return stopShutdown, err
		}
		var todo []consultations.Delivery
		for _, d := range pending {
			if _, unrec := s.unrecorded[deliveryKey{r.id, d.UserID}]; !r.inflight[d.UserID] && !unrec {
				todo = append(todo, d)
			}
		}
		if len(todo) == 0 {
			if len(r.inflight) == 0 {
				return stopDone, nil
			}
			if !r.awaitOne(ctx) {
				return stopShutdown, nil
			}
			continue
		}
		if open, err := r.stillOpen(ctx); err != nil || !open {
			return stopClosed, err
		}
		for _, d := range todo {
			for len(r.inflight) >= r.max {
				if !r.awaitOne(ctx) {
					return stopShutdown, nil
				}
			}
			if err := s.limit.wait(ctx); err != nil {
				return stopShutdown, nil
			}
			if why, stop := r.interrupted(ctx); stop {
				return why, nil
			}
			r.inflight[d.UserID] = true
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.results <- s.deliverOne(ctx, d, r)
			}()
			r.collect()
		}
	}
}

// interrupted reports whether a clerk paused the broadcast (or it changed
// state otherwise) since the last look.
func (r *sending) interrupted(ctx context.Context) (stopReason, bool) {
	select {
	case <-r.s.wake:
	default:
		return 0, false
	}
	bc, err := r.s.bot.store.Broadcast(ctx, r.id)
	if err != nil {
		r.s.bot.log.Error("broadcast: read state", "broadcast", r.id, "err", err)
		return 0, false
	}
	if bc.State != consultations.BroadcastSending {
		return stopPaused, true
	}
	return 0, false
}

// stillOpen reports whether the consultation still takes answers (a clerk
// may close it while its broadcast is under way).
func (r *sending) stillOpen(ctx context.Context) (bool, error) {
	if r.kind == consultations.BroadcastResults {
		return true, nil // results go out after the consultation closed
	}
	c, err := r.s.bot.store.Consultation(ctx, r.slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.StatusAt(r.s.bot.now()) == consultations.StatusOpen, nil
}

// awaitOne waits for a worker to finish; false when ctx ended first.
func (r *sending) awaitOne(ctx context.Context) bool {
	select {
	case o := <-r.results:
		r.settle(o)
		return true
	case <-ctx.Done():
		return false
	}
}

// collect takes the outcomes already reported, without waiting.
func (r *sending) collect() {
	for {
		select {
		case o := <-r.results:
			r.settle(o)
		default:
			return
		}
	}
}

func (r *sending) settle(o outcome) {
	delete(r.inflight, o.d.UserID)
	if o.settled {
		r.s.bot.metrics.delivered(o.d.State)
	}
	if o.settled && !o.recorded {
		// Sent (or given up) but not written down: never send it again,
		// record it later, and stop until the store works.
		r.s.unrecorded[deliveryKey{r.id, o.d.UserID}] = o.d
		r.err = fmt.Errorf("record delivery to %d of broadcast %d failed", o.d.UserID, r.id)
	}
}

// recordLeftovers records the deliveries the store failed to record before.
func (s *broadcaster) recordLeftovers(ctx context.Context) error {
	for k, d := range s.unrecorded {
		if err := s.bot.store.RecordDelivery(ctx, d); err != nil {
			return fmt.Errorf("record delivery of an earlier send: %w", err)
		}
		delete(s.unrecorded, k)
	}
	return nil
}

// deliverOne sends one invitation, its first slot of the rate limiter
// already taken, and records what became of it: sent; blocked when the
// citizen blocked the bot (the store then unsubscribes them); failed after
// maxAttempts tries. A 429 holds every send and tries again without
// counting. When ctx ends before a send, the delivery is left pending; a
// send under way is finished and recorded.
func (s *broadcaster) deliverOne(ctx context.Context, d consultations.Delivery, r *sending) outcome {
	sc, ok := r.invites[d.Language]
	if !ok {
		sc = r.invites[s.bot.msg.Default()]
	}
	if s.withdrawn(ctx, d, r) {
		// Forgotten, or said /stop (or answered) since an invitation was
		// planned: nothing is sent without the citizen's yes.
		d.State = consultations.DeliverySkipped
		return outcome{d: d, settled: true, recorded: s.record(ctx, d) == nil}
	}
	params := &tgbot.SendMessageParams{ChatID: d.ChatID, Text: sc.text, ParseMode: models.ParseModeHTML}
	if sc.kb != nil {
		params.ReplyMarkup = sc.kb
	}
	wait := s.backoff
	for first := true; ; first = false {
		if !first {
			if err := s.limit.wait(ctx); err != nil {
				return outcome{d: d}
			}
		}
		if err := s.chats.wait(ctx, d.ChatID); err != nil {
			return outcome{d: d}
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		_, err := s.bot.tg.SendMessage(sctx, params)
		cancel()
		d.Attempts++
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil:
			d.State = consultations.DeliverySent
		case errors.Is(err, tgbot.ErrorForbidden):
			d.State = consultations.DeliveryBlocked
		case errors.As(err, &tooMany):
			d.Attempts-- // Telegram's throttle is not the citizen's failure
			s.limit.holdUntil(s.clock().Add(max(time.Duration(tooMany.RetryAfter)*time.Second, time.Second)))
			s.bot.log.Warn("broadcast: throttled by Telegram; holding every send", "retry_after", tooMany.RetryAfter)
			continue
		case !retryable(err) || d.Attempts >= maxAttempts:
			d.State = consultations.DeliveryFailed
			s.bot.log.Warn("broadcast: delivery failed", "broadcast", d.Broadcast, "attempts", d.Attempts, "err", err)
		default:
			// Keep the count of tries across a restart.
			if err := s.record(ctx, d); err != nil {
				s.bot.log.Warn("broadcast: record a try", "err", err)
			}
			if sleep(ctx, wait) != nil {
				return outcome{d: d}
			}
			wait *= 2
			continue
		}
		return outcome{d: d, settled: true, recorded: s.record(ctx, d) == nil}
	}
}

// withdrawn reports whether a citizen asked to be forgotten (/forget) after
// the broadcast was planned, or, for an invitation, unsubscribed or
// answered the consultation. When the store can't tell, the message goes
// as planned.
func (s *broadcaster) withdrawn(ctx context.Context, d consultations.Delivery, r *sending) bool {
	c, err := s.bot.store.Citizen(ctx, d.UserID)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return true
	}
	if r.kind != consultations.BroadcastInvite {
		return false
	}
	if err == nil && !c.Subscribed {
		return true
	}
	resp, err := s.bot.store.Response(ctx, r.slug, consultations.Pseudonym(s.bot.key, d.UserID))
	return err == nil && resp.IsCompleted()
}

// record writes a delivery down, even while the bot stops: it reflects a
// send that happened. A failing store is given a few tries. A delivery no
// longer in the outbox, its citizen forgotten (/forget) meanwhile, has
// nothing left to record.
func (s *broadcaster) record(ctx context.Context, d consultations.Delivery) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	for try := 0; try < 3; try++ {
		err = s.bot.store.RecordDelivery(ctx, d)
		if err == nil || consultations.ErrorCode(err) == consultations.ENOTFOUND {
			return nil
		}
		time.Sleep(100 * time.Millisecond << try)
	}
	s.bot.log.Error("broadcast: record delivery", "broadcast", d.Broadcast, "err", err)
	return err
}
