package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// ResponsesOf returns every response still linked to the participant, one
// per consultation, ordered by slug: one lookup in each consultation's
// participants index, so the cost grows with the number of consultations,
// not of responses.
func (s *Store) ResponsesOf(ctx context.Context, participant string) ([]*consultations.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read responses of a participant: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("read responses of a participant", err)
	}
	defer tx.Rollback()
	var out []*consultations.Response
	index, all := tx.Bucket(participantsBucket), tx.Bucket(responsesBucket)
	err = index.ForEachBucket(func(slug []byte) error {
		k := index.Bucket(slug).Get([]byte(participant))
		if k == nil {
			return nil
		}
		b := all.Bucket(slug)
		if b == nil {
			return nil
		}
		v := b.Get(k)
		if v == nil {
			return nil
		}
		r, err := decodeResponse(v)
		if err != nil {
			return fmt.Errorf("decode response to %q: %w", slug, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, storeError("read responses of a participant", err)
	}
	return out, nil
}

// Forget deletes everything kept about a citizen in one transaction,
// through the group commit: their responses (with the completed counters
// kept right), their record and session, their entries in the subscribers
// and usernames indexes, and their deliveries in every outbox (a pending
// one is counted as skipped, so the broadcast's counters still add up).
// Once it is on disk, the running tallies lose the deleted responses, in
// commit order. If anything fails, nothing is deleted.
func (s *Store) Forget(ctx context.Context, userID int64, participant string) (consultations.Forgotten, error) {
	if err := ctx.Err(); err != nil {
		return consultations.Forgotten{}, fmt.Errorf("forget a citizen: %w", err)
	}
	if userID == 0 || participant == "" {
		return consultations.Forgotten{}, consultations.Errorf(consultations.EINVALID, "forget a citizen: missing user id or participant")
	}
	var got consultations.Forgotten
	var removed []*consultations.Response
	fn := func(tx *bbolt.Tx) error {
		// The function may run more than once: start from nothing.
		got, removed = consultations.Forgotten{}, nil
		var err error
		if got.Citizen, err = deleteCitizen(tx, userID); err != nil {
			return err
		}
		if removed, err = deleteResponses(tx, []byte(participant)); err != nil {
			return err
		}
		got.Responses = len(removed)
		got.Deliveries, err = deleteDeliveries(tx, userID)
		return err
	}
	after := func() {
		for _, r := range removed {
			s.tallies.remove(r)
		}
	}
	if err := s.committer.do(fn, after); err != nil {
		return consultations.Forgotten{}, storeError("forget a citizen", err)
	}
	return got, nil
}

// deleteCitizen deletes a citizen's record, their session in progress and
// their entries in the subscribers and usernames indexes. It reports
// whether there was a record.
func deleteCitizen(tx *bbolt.Tx, userID int64) (bool, error) {
	key := userKey(userID)
	if err := tx.Bucket(subscribersBucket).Delete(key); err != nil {
		return false, fmt.Errorf("delete subscriber: %w", err)
	}
	citizens := tx.Bucket(citizensBucket)
	v := citizens.Get(key)
	if v == nil {
		return false, nil
	}
	seq, c, err := readCitizen(v)
	if err != nil {
		return false, err
	}
	if seq != 0 {
		if err := tx.Bucket(sessionsBucket).Delete(u64(seq)); err != nil {
			return false, fmt.Errorf("delete session: %w", err)
		}
	}
	if c.Username != "" {
		names, name := tx.Bucket(usernamesBucket), []byte(normUsername(c.Username))
		if bytes.Equal(names.Get(name), key) {
			if err := names.Delete(name); err != nil {
				return false, fmt.Errorf("delete username: %w", err)
			}
		}
	}
	if err := citizens.Delete(key); err != nil {
		return false, fmt.Errorf("delete citizen: %w", err)
	}
	return true, nil
}

// deleteResponses deletes a participant's response to every consultation,
// with its entry in the participants index, and counts a completed one out
// of its consultation's completed counter. It returns the deleted
// responses, decoded, for the tallies: a response that cannot be decoded
// could not be counted out of them, so it fails the whole deletion.
func deleteResponses(tx *bbolt.Tx, participant []byte) ([]*consultations.Response, error) {
	var removed []*consultations.Response
	index, all, counts := tx.Bucket(participantsBucket), tx.Bucket(responsesBucket), tx.Bucket(completedBucket)
	var slugs [][]byte
	err := index.ForEachBucket(func(slug []byte) error {
		if index.Bucket(slug).Get(participant) != nil {
			slugs = append(slugs, bytes.Clone(slug))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, slug := range slugs {
		entries := index.Bucket(slug)
		key := bytes.Clone(entries.Get(participant))
		if err := entries.Delete(participant); err != nil {
			return nil, fmt.Errorf("delete participant of %q: %w", slug, err)
		}
		b := all.Bucket(slug)
		if b == nil {
			continue
		}
		v := b.Get(key)
		if v == nil {
			continue
		}
		r, err := decodeResponse(v)
		if err != nil {
			return nil, consultations.Errorf(consultations.EINTERNAL, "response to %q is damaged (%v); nothing was deleted", slug, err)
		}
		if err := b.Delete(key); err != nil {
			return nil, fmt.Errorf("delete response to %q: %w", slug, err)
		}
		if r.IsCompleted() {
			if n := readU64(counts.Get(slug)); n > 0 {
				if err := counts.Put(slug, u64(n-1)); err != nil {
					return nil, fmt.Errorf("count completed: %w", err)
				}
			}
		}
		removed = append(removed, r)
	}
	return removed, nil
}

// deleteDeliveries takes a citizen's deliveries out of every broadcast's
// outbox. A delivery still pending is counted as skipped, as one to a
// citizen who unsubscribed is, so that the broadcast's counters add up.
func deleteDeliveries(tx *bbolt.Tx, userID int64) (int, error) {
	key := userKey(userID)
	outbox, pending := tx.Bucket(outboxBucket), tx.Bucket(pendingBucket)
	var ids [][]byte
	err := outbox.ForEachBucket(func(id []byte) error {
		if outbox.Bucket(id).Get(key) != nil {
			ids = append(ids, bytes.Clone(id))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := outbox.Bucket(id).Delete(key); err != nil {
			return 0, fmt.Errorf("delete delivery: %w", err)
		}
		// The pending index holds exactly the deliveries still pending
		// (RecordDelivery takes a delivery out as it leaves that state).
		p := pending.Bucket(id)
		if p == nil || p.Get(key) == nil {
			continue
		}
		if err := p.Delete(key); err != nil {
			return 0, fmt.Errorf("delete pending delivery: %w", err)
		}
		bc, err := getBroadcast(tx, readU64(id))
		if err != nil {
			return 0, err
		}
		bc.Skipped++
		if err := putBroadcast(tx, bc); err != nil {
			return 0, fmt.Errorf("count skipped delivery: %w", err)
		}
	}
	return len(ids), nil
}
