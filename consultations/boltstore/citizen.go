package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// Citizen returns the citizen with the Telegram user id, or an ENOTFOUND error.
func (s *Store) Citizen(ctx context.Context, userID int64) (*consultations.Citizen, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get citizen: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("get citizen", err)
	}
	defer tx.Rollback()
	v := tx.Bucket(citizensBucket).Get(userKey(userID))
	if v == nil {
		return nil, consultations.Errorf(consultations.ENOTFOUND, "citizen not found")
	}
	seq, citizen, err := splitCitizen(v)
	if err != nil {
		return nil, fmt.Errorf("decode citizen: %w", err)
	}
	var session []byte // nil once the session has ended
	if seq != 0 {
		session = tx.Bucket(sessionsBucket).Get(u64(seq))
	}
	c, err := decodeCitizen(citizen, session)
	if err != nil {
		return nil, fmt.Errorf("decode citizen: %w", err)
	}
	return c, nil
}

// putCitizen writes a citizen encoded by encodeCitizen. Their session goes
// under its sequence number, given out when it starts, so the sessions
// answered at the same time share pages. The citizen record keeps that
// number after the session ends (only the session is deleted), and is
// rewritten only when it changes: when a session starts or when the
// citizen's settings change, not at every answer. Nothing is written again
// as it already is.
func putCitizen(tx *bbolt.Tx, key, citizen, session []byte) error {
	citizens, sessions := tx.Bucket(citizensBucket), tx.Bucket(sessionsBucket)
	sessions.FillPercent = appendFill
	var oldSeq uint64
	var oldCitizen, live []byte // live: the session in progress, if any
	old := citizens.Get(key)
	if old != nil {
		var err error
		if oldSeq, oldCitizen, err = splitCitizen(old); err != nil {
			return fmt.Errorf("decode citizen: %w", err)
		}
		if oldSeq != 0 {
			live = sessions.Get(u64(oldSeq))
		}
	}
	seq := oldSeq
	switch {
	case session == nil && live != nil:
		if err := sessions.Delete(u64(seq)); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	case session == nil, bytes.Equal(live, session):
		// Nothing to do.
	default:
		if live == nil {
			// A new session. Sequence numbers are never given out
			// again, so the number of an ended session cannot lead to
			// someone else's.
			var err error
			if seq, err = sessions.NextSequence(); err != nil {
				return fmt.Errorf("start session: %w", err)
			}
		}
		if err := sessions.Put(u64(seq), session); err != nil {
			return fmt.Errorf("put session: %w", err)
		}
	}
	if old != nil && seq == oldSeq && bytes.Equal(oldCitizen, citizen) {
		return nil
	}
	if err := citizens.Put(key, citizenValue(seq, citizen)); err != nil {
		return fmt.Errorf("put citizen: %w", err)
	}
	if old != nil && bytes.Equal(oldCitizen, citizen) {
		return nil // only the session number changed
	}
	return reindexCitizen(tx, oldCitizen, citizen)
}

// reindexCitizen keeps the subscribers and usernames indexes in step when a
// citizen's settings change (rarely: not at every answer).
func reindexCitizen(tx *bbolt.Tx, oldCitizen, citizen []byte) error {
	var old *consultations.Citizen
	if oldCitizen != nil {
		var err error
		if old, err = decodeCitizen(oldCitizen, nil); err != nil {
			return fmt.Errorf("decode citizen: %w", err)
		}
	}
	c, err := decodeCitizen(citizen, nil)
	if err != nil {
		return fmt.Errorf("decode citizen: %w", err)
	}
	return indexCitizen(tx, old, c)
}

// unsubscribe stops sending news to a citizen (after a 403: they blocked
// the bot), in their record and in the subscribers index.
func unsubscribe(tx *bbolt.Tx, userID int64) error {
	citizens := tx.Bucket(citizensBucket)
	v := citizens.Get(userKey(userID))
	if v == nil {
		return tx.Bucket(subscribersBucket).Delete(userKey(userID))
	}
	seq, c, err := readCitizen(v)
	if err != nil {
		return err
	}
	c.Subscribed, c.Session = false, nil
	updated, _, err := encodeCitizen(c)
	if err != nil {
		return fmt.Errorf("encode citizen: %w", err)
	}
	if err := citizens.Put(userKey(userID), citizenValue(seq, updated)); err != nil {
		return fmt.Errorf("put citizen: %w", err)
	}
	return tx.Bucket(subscribersBucket).Delete(userKey(userID))
}

// EachCitizen calls fn with every citizen, without their session, in user
// id order.
func (s *Store) EachCitizen(ctx context.Context, fn func(c *consultations.Citizen) error) error {
	var all []*consultations.Citizen
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(citizensBucket).ForEach(func(_, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			_, c, err := readCitizen(v)
			if err != nil {
				return err
			}
			all = append(all, c)
			return nil
		})
	})
	if err != nil {
		return storeError("read citizens", err)
	}
	// fn runs outside the transaction, so it may read the store.
	for _, c := range all {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// DeleteCitizen deletes the citizen's record, their session in progress and
// their entries in the subscribers and usernames indexes. Their responses,
// kept under their pseudonym, stay. A citizen the store doesn't have is
// not an error.
func (s *Store) DeleteCitizen(ctx context.Context, userID int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete citizen: %w", err)
	}
	err := s.write(func(tx *bbolt.Tx) error {
		_, err := deleteCitizen(tx, userID)
		return err
	})
	return storeError("delete citizen", err)
}
