package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// schedulePeriod is how often the scheduler looks at consultations' opening
// and closing times.
const schedulePeriod = 30 * time.Second

// StartScheduler honours consultations' opens and closes times: it applies
// them once before returning, so the bot starts with every status current
// (a restart catches up on what happened while it was down), then every 30
// seconds until ctx ends. It also applies the retention period (see
// applyRetention), in the background at start and then hourly. The
// returned channel is closed once it has stopped, so that the caller can
// wait for it before closing the store.
func (b *Bot) StartScheduler(ctx context.Context) <-chan struct{} {
	if err := b.applySchedule(ctx); err != nil {
		b.log.Error("apply schedule", "err", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		retain := func() {
			if err := b.applyRetention(ctx); err != nil && ctx.Err() == nil {
				b.log.Error("apply retention period", "err", err)
			}
		}
		retain()
		tick := time.NewTicker(schedulePeriod)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := b.applySchedule(ctx); err != nil && ctx.Err() == nil {
					b.log.Error("apply schedule", "err", err)
				}
				if n%int(retentionPeriod/schedulePeriod) == 0 {
					retain()
				}
			}
		}
	}()
	return done
}

// applySchedule stores the status each consultation has by its dates now,
// where it differs from the stored one, and records each change in the
// audit log as done by the schedule (actor 0). Citizens already see the
// status by the dates; this makes the stored status, lists and the audit
// log agree with it.
func (b *Bot) applySchedule(ctx context.Context) error {
	b.consultationMu.Lock()
	defer b.consultationMu.Unlock()
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return fmt.Errorf("list consultations: %w", err)
	}
	now := b.now()
	var errs []error
	for _, c := range all {
		was, is := c.Status, c.StatusAt(now)
		if was == is || (was == "" && is == consultations.StatusDraft) {
			continue
		}
		c.Status = is
		if is == consultations.StatusClosed {
			c.ClosedAt = c.Closes // when its schedule closed it, however late the bot noticed
		}
		if err := b.store.PutConsultation(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("%s consultation %q by its schedule: %w", is, c.Slug, err))
			continue
		}
		action := opOpen
		if is == consultations.StatusClosed {
			action = opClose
		}
		e := consultations.AuditEntry{At: now, Action: action + " (scheduled)", Target: c.Slug, Detail: fmt.Sprintf("%s → %s", statusOrDraft(was), is), Allowed: true}
		if err := b.store.Audit(ctx, e); err != nil {
			b.log.Error("write audit log", "action", e.Action, "err", err)
		}
		b.log.Info("consultation status changed by its schedule", "slug", c.Slug, "from", was, "to", is)
	}
	return errors.Join(errs...)
}

func statusOrDraft(s consultations.Status) consultations.Status {
	if s == "" {
		return consultations.StatusDraft
	}
	return s
}
