package boltstore

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// updateRetention is how long a processed update id is remembered. Telegram
// redelivers an update for at most a day, so a week is plenty.
const updateRetention = 7 * 24 * time.Hour

// pruneEvery is how many marked updates pass between two prunings.
const pruneEvery = 10_000

// UpdateSeen reports whether the Telegram update id was already processed.
func (s *Store) UpdateSeen(ctx context.Context, updateID int64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("read update: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return false, storeError("read update", err)
	}
	defer tx.Rollback()
	return tx.Bucket(updatesBucket).Get(updateKey(updateID)) != nil, nil
}

// MarkUpdates records update ids as processed, in a transaction shared with
// other commits of the moment, and returns once they are on disk.
func (s *Store) MarkUpdates(ctx context.Context, updateIDs ...int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mark updates: %w", err)
	}
	if len(updateIDs) == 0 {
		return nil
	}
	seen := u64(uint64(s.now().UnixNano()))
	err := s.write(func(tx *bbolt.Tx) error {
		b := tx.Bucket(updatesBucket)
		for _, id := range updateIDs {
			if err := b.Put(updateKey(id), seen); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storeError("mark updates", err)
	}
	s.marked(len(updateIDs))
	return nil
}

// marked counts n more marked updates and prunes old ones each time the
// count passes a multiple of pruneEvery. Pruning is housekeeping: if it
// fails, the next one will do its work.
func (s *Store) marked(n int) {
	after := s.marks.Add(int64(n))
	if after/pruneEvery == (after-int64(n))/pruneEvery {
		return
	}
	cutoff := s.now().Add(-updateRetention)
	_ = s.db.Update(func(tx *bbolt.Tx) error { return pruneUpdates(tx, cutoff) })
}

// pruneUpdates forgets updates processed before cutoff. Update ids usually
// grow with time, but Telegram may restart them anywhere after a quiet week,
// so every entry is looked at.
func pruneUpdates(tx *bbolt.Tx, cutoff time.Time) error {
	b := tx.Bucket(updatesBucket)
	limit := uint64(cutoff.UnixNano())
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if readU64(v) < limit {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("prune updates: %w", err)
		}
	}
	return nil
}
