package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// retentionPeriod is how often the scheduler looks for consultations whose
// retention period has passed (and once at start).
const retentionPeriod = time.Hour

// applyRetention unlinks from the citizens who gave them the responses of
// every consultation closed longer ago than Config.Retention, once for each
// consultation, and records each in the audit log as done by the retention
// period (actor 0). Their answers, and the indicators made from them, stay;
// /mydata no longer shows them and /forget no longer finds them.
func (b *Bot) applyRetention(ctx context.Context) error {
	if b.retention <= 0 {
		return nil
	}
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return fmt.Errorf("list consultations: %w", err)
	}
	var errs []error
	for _, c := range all {
		if b.retentionDue(c) {
			if err := b.anonymise(ctx, c.Slug); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// retentionDue reports whether a consultation was closed longer ago than
// the retention period and is not anonymised yet.
func (b *Bot) retentionDue(c *consultations.Consultation) bool {
	if !c.Anonymised.IsZero() {
		return false
	}
	now := b.now()
	closed, ok := c.ClosedSince(now)
	return ok && now.Sub(closed) >= b.retention
}

// anonymise unlinks a consultation's responses, checked again under the
// lock that /open takes, so that a consultation reopened meanwhile is left
// alone.
func (b *Bot) anonymise(ctx context.Context, slug string) error {
	b.consultationMu.Lock()
	defer b.consultationMu.Unlock()
	c, err := b.store.Consultation(ctx, slug)
	if err != nil || !b.retentionDue(c) {
		return err
	}
	closed, _ := c.ClosedSince(b.now())
	n, err := b.store.Anonymise(ctx, slug)
	if err != nil {
		return fmt.Errorf("unlink the responses of %q after the retention period: %w", slug, err)
	}
	e := consultations.AuditEntry{
		At: b.now(), Action: "retention", Target: slug, Allowed: true,
		Detail: fmt.Sprintf("responses unlinked from citizens: %d (closed %s, retention %s)", n, closed.UTC().Format("2006-01-02"), retentionText(b.retention)),
	}
	if err := b.store.Audit(ctx, e); err != nil {
		b.log.Error("write audit log", "action", e.Action, "err", err)
	}
	b.log.Info("responses unlinked from citizens after the retention period", "slug", slug, "responses", n)
	return nil
}

// retentionText writes a retention period as --retention takes it: in
// days when it is whole days ("365d").
func retentionText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
