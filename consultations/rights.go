package consultations

import (
	"context"
	"time"
)

// RightsStore serves citizens' rights over what is kept about them (to see
// it, to have it deleted) and the deployment's retention period, after
// which responses are no longer linked to anyone.
type RightsStore interface {
	// ResponsesOf returns every response the participant (a pseudonym)
	// gave that is still linked to them, one per consultation, ordered by
	// consultation slug. None is not an error.
	ResponsesOf(ctx context.Context, participant string) ([]*Response, error)
	// Forget deletes, in one transaction, everything kept about the citizen
	// with the Telegram user id, whose pseudonym is participant: their
	// responses to every consultation, their record with their
	// conversation state and settings, their place in the subscribers and
	// usernames indexes and their deliveries in broadcast outboxes.
	// Indicators, counters and later exports no longer include them. Staff
	// roles and the audit log are kept. Forgetting someone the store does
	// not know deletes nothing and is no error.
	Forget(ctx context.Context, userID int64, participant string) (Forgotten, error)
	// Anonymise unlinks a closed consultation's responses from the
	// citizens who gave them: each response's pseudonym is replaced by a
	// random id, the index from pseudonyms to responses is emptied,
	// conversations in progress on it end, and finished broadcasts about it
	// forget whom they went to. The answers, and every count made from
	// them, stay as they are. It sets the consultation's Anonymised and
	// returns how many responses it unlinked; once done, it does nothing.
	// A consultation that is not closed is refused with EINVALID.
	Anonymise(ctx context.Context, slug string) (int, error)
}

// Forgotten is what Forget deleted, counted for the audit log without
// saying what it was.
type Forgotten struct {
	Responses  int  // responses deleted, to every consultation together
	Citizen    bool // the citizen's record was there and is deleted
	Deliveries int  // broadcast deliveries taken out of outboxes
}

// ClosedSince reports whether the consultation is closed at now, and since
// when: the time a clerk or the schedule closed it (ClosedAt), else its
// Closes date once passed, else, for a consultation closed by hand before
// ClosedAt was recorded, when it was last stored, which is no earlier than
// when it was closed. A retention period counted from it never ends early.
func (c *Consultation) ClosedSince(now time.Time) (time.Time, bool) {
	if c.StatusAt(now) != StatusClosed {
		return time.Time{}, false
	}
	switch {
	case !c.ClosedAt.IsZero():
		return c.ClosedAt, true
	case !c.Closes.IsZero() && !now.Before(c.Closes):
		return c.Closes, true
	default:
		return c.Updated, true
	}
}
