package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// Response returns a participant's response to a consultation, or an
// ENOTFOUND error.
func (s *Store) Response(ctx context.Context, slug, participant string) (*consultations.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get response: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("get response", err)
	}
	defer tx.Rollback()
	var v []byte
	index, b := tx.Bucket(participantsBucket).Bucket([]byte(slug)), tx.Bucket(responsesBucket).Bucket([]byte(slug))
	if index != nil && b != nil {
		if k := index.Get([]byte(participant)); k != nil {
			v = b.Get(k)
		}
	}
	if v == nil {
		return nil, consultations.Errorf(consultations.ENOTFOUND, "response %q to consultation %q not found", participant, slug)
	}
	r, err := decodeResponse(v)
	if err != nil {
		return nil, fmt.Errorf("decode response %q to consultation %q: %w", participant, slug, err)
	}
	return r, nil
}

// Commit writes a change in one transaction and returns once it is on disk.
// Commits made at about the same time share a transaction and a disk sync.
func (s *Store) Commit(ctx context.Context, ch consultations.Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	fn, prev, err := s.changeWriteWithPrevious(ch)
	if err != nil {
		return err
	}
	var after func()
	if r := ch.Response; r != nil {
		// Keep the consultation's running tally in step, once the answer
		// is on disk and in commit order.
		after = func() { s.tallies.replace(r.Consultation, *prev, r) }
	}
	if err := s.committer.do(fn, after); err != nil {
		return storeError("commit", err)
	}
	if ch.UpdateID != 0 {
		s.marked(1)
	}
	return nil
}

// changeWrite encodes a change and returns the function that writes it in
// a transaction. Encoding happens here, on every caller's goroutine at once,
// and not in the group commit, whose writes run one after another. The
// function may run more than once (see committer.do): it only reads what it
// captured and the transaction, and what it allocates in the transaction
// (sequence numbers) is rolled back with it.
func (s *Store) changeWrite(ch consultations.Change) (func(*bbolt.Tx) error, error) {
	fn, _, err := s.changeWriteWithPrevious(ch)
	return fn, err
}

// changeWriteWithPrevious is changeWrite that also sets *prev, when the
// function has run, to the response the change replaced (nil if none).
func (s *Store) changeWriteWithPrevious(ch consultations.Change) (func(*bbolt.Tx) error, *[]byte, error) {
	prev := new([]byte)
	var citizenKey, citizen, session, slug, participant, response, seenKey, seen []byte
	var completed bool
	var err error
	if c := ch.Citizen; c != nil {
		if c.UserID == 0 {
			return nil, nil, consultations.Errorf(consultations.EINVALID, "commit citizen: missing user id")
		}
		citizenKey = userKey(c.UserID)
		if citizen, session, err = encodeCitizen(c); err != nil {
			return nil, nil, fmt.Errorf("commit citizen: encode: %w", err)
		}
	}
	if r := ch.Response; r != nil {
		if r.Consultation == "" || r.Participant == "" {
			return nil, nil, consultations.Errorf(consultations.EINVALID, "commit response: missing consultation or participant")
		}
		slug, participant, completed = []byte(r.Consultation), []byte(r.Participant), r.IsCompleted()
		if response, err = encodeResponse(r); err != nil {
			return nil, nil, fmt.Errorf("commit response: encode: %w", err)
		}
	}
	if ch.UpdateID != 0 {
		seenKey, seen = updateKey(ch.UpdateID), u64(uint64(s.now().UnixNano()))
	}
	return func(tx *bbolt.Tx) error {
		*prev = nil // the function may run more than once
		if response != nil {
			if err := putResponse(tx, slug, participant, response, completed, prev); err != nil {
				return err
			}
		}
		if citizen != nil {
			if err := putCitizen(tx, citizenKey, citizen, session); err != nil {
				return err
			}
		}
		if seen != nil {
			if err := tx.Bucket(updatesBucket).Put(seenKey, seen); err != nil {
				return fmt.Errorf("mark update: %w", err)
			}
		}
		return nil
	}, prev, nil
}

// putResponse writes a response and keeps its consultation's completed
// counter right: up when it becomes completed, down if it stops being so. A
// new response gets the next sequence number of its consultation, so the
// responses being answered at the same time share pages; the participants
// index finds it again.
func putResponse(tx *bbolt.Tx, slug, participant, response []byte, completed bool, prev *[]byte) error {
	index, b := tx.Bucket(participantsBucket).Bucket(slug), tx.Bucket(responsesBucket).Bucket(slug)
	if index == nil || b == nil {
		return consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	b.FillPercent = appendFill
	var key []byte
	was := false
	if k := index.Get(participant); k != nil {
		key = bytes.Clone(k)
		if old := b.Get(key); old != nil {
			if bytes.Equal(old, response) {
				*prev = bytes.Clone(old)
				return nil
			}
			*prev = bytes.Clone(old)
			var err error
			if was, err = responseCompleted(old); err != nil {
				return fmt.Errorf("decode response %q to consultation %q: %w", participant, slug, err)
			}
		}
	} else {
		seq, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("put response: %w", err)
		}
		key = u64(seq)
		if err := index.Put(participant, key); err != nil {
			return fmt.Errorf("put participant: %w", err)
		}
	}
	if err := b.Put(key, response); err != nil {
		return fmt.Errorf("put response: %w", err)
	}
	if was == completed {
		return nil
	}
	counts := tx.Bucket(completedBucket)
	n := readU64(counts.Get(slug))
	switch {
	case completed:
		n++
	case n > 0:
		n--
	}
	if err := counts.Put(slug, u64(n)); err != nil {
		return fmt.Errorf("count completed: %w", err)
	}
	return nil
}

// CountCompleted returns how many responses to the consultation are complete.
func (s *Store) CountCompleted(ctx context.Context, slug string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("count completed: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return 0, storeError("count completed", err)
	}
	defer tx.Rollback()
	if tx.Bucket(consultationsBucket).Get([]byte(slug)) == nil {
		return 0, consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	return int(readU64(tx.Bucket(completedBucket).Get([]byte(slug)))), nil
}

// CountStarted is how many responses to the consultation were ever
// started, read at no cost from the responses bucket's sequence: what
// EachResponse will go through, unless some were deleted since. It is for
// progress bars, not for counting.
func (s *Store) CountStarted(ctx context.Context, slug string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("count responses: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return 0, storeError("count responses", err)
	}
	defer tx.Rollback()
	b := tx.Bucket(responsesBucket).Bucket([]byte(slug))
	if b == nil {
		return 0, nil
	}
	return int(b.Sequence()), nil
}

// EachResponse calls fn with every response to the consultation, in the
// order the responses were started (first committed), one at a time from a
// consistent snapshot. An error from fn stops the iteration and is returned
// as it is.
func (s *Store) EachResponse(ctx context.Context, slug string, fn func(r *consultations.Response) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read responses: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return storeError("read responses", err)
	}
	defer tx.Rollback()
	b := tx.Bucket(responsesBucket).Bucket([]byte(slug))
	if b == nil {
		return consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	n := 0
	return eachDecoded(b, func(r *consultations.Response) error {
		if n++; n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("read responses of %q: %w", slug, err)
			}
		}
		return fn(r)
	})
}
