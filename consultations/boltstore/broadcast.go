package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// CreateBroadcast stores a broadcast and its deliveries, all pending, in one
// transaction, setting b.ID and b.Total. A citizen listed more than once
// gets one delivery (the first) and is counted once.
func (s *Store) CreateBroadcast(ctx context.Context, b *consultations.Broadcast, deliveries []consultations.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var id uint64
	var total int
	err := s.write(func(tx *bbolt.Tx) error {
		total = 0 // the function may run more than once
		bb := tx.Bucket(broadcastsBucket)
		seq, err := bb.NextSequence()
		if err != nil {
			return err
		}
		out, err := tx.Bucket(outboxBucket).CreateBucket(u64(seq))
		if err != nil {
			return fmt.Errorf("create outbox: %w", err)
		}
		pending, err := tx.Bucket(pendingBucket).CreateBucket(u64(seq))
		if err != nil {
			return fmt.Errorf("create outbox: %w", err)
		}
		for _, d := range deliveries {
			if out.Get(userKey(d.UserID)) != nil {
				continue // listed twice
			}
			total++
			d.Broadcast, d.State, d.Attempts = seq, consultations.DeliveryPending, 0
			v, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := out.Put(userKey(d.UserID), v); err != nil {
				return err
			}
			if err := pending.Put(userKey(d.UserID), nil); err != nil {
				return err
			}
		}
		rec := *b
		rec.ID, rec.Total, rec.Sent, rec.Failed, rec.Blocked, rec.Skipped = seq, total, 0, 0, 0, 0
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		id = seq
		return bb.Put(u64(seq), v)
	})
	if err != nil {
		return storeError("create broadcast", err)
	}
	b.ID, b.Total, b.Sent, b.Failed, b.Blocked, b.Skipped = id, total, 0, 0, 0, 0
	return nil
}

// Broadcast returns a broadcast by id, or an ENOTFOUND error.
func (s *Store) Broadcast(ctx context.Context, id uint64) (*consultations.Broadcast, error) {
	var b *consultations.Broadcast
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		b, err = getBroadcast(tx, id)
		return err
	})
	if err != nil {
		return nil, storeError("read broadcast", err)
	}
	return b, nil
}

func getBroadcast(tx *bbolt.Tx, id uint64) (*consultations.Broadcast, error) {
	v := tx.Bucket(broadcastsBucket).Get(u64(id))
	if v == nil {
		return nil, consultations.Errorf(consultations.ENOTFOUND, "broadcast %d not found", id)
	}
	var b consultations.Broadcast
	if err := json.Unmarshal(v, &b); err != nil {
		return nil, fmt.Errorf("decode broadcast %d: %w", id, err)
	}
	return &b, nil
}

func putBroadcast(tx *bbolt.Tx, b *consultations.Broadcast) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return tx.Bucket(broadcastsBucket).Put(u64(b.ID), v)
}

// Broadcasts returns every broadcast, newest first.
func (s *Store) Broadcasts(ctx context.Context) ([]*consultations.Broadcast, error) {
	var out []*consultations.Broadcast
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(broadcastsBucket).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var b consultations.Broadcast
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode broadcast: %w", err)
			}
			out = append(out, &b)
		}
		return nil
	})
	if err != nil {
		return nil, storeError("read broadcasts", err)
	}
	return out, nil
}

// SaveBroadcast stores a broadcast's state, times and status message; its
// counters stay as RecordDelivery keeps them.
func (s *Store) SaveBroadcast(ctx context.Context, b *consultations.Broadcast) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.write(func(tx *bbolt.Tx) error {
		stored, err := getBroadcast(tx, b.ID)
		if err != nil {
			return err
		}
		rec := *b
		rec.Total, rec.Sent, rec.Failed, rec.Blocked, rec.Skipped = stored.Total, stored.Sent, stored.Failed, stored.Blocked, stored.Skipped
		return putBroadcast(tx, &rec)
	})
	return storeError("save broadcast", err)
}

// PendingDeliveries returns up to limit pending deliveries of a broadcast,
// in user id order, from an index of the pending ones so that the cost does
// not grow as the outbox empties.
func (s *Store) PendingDeliveries(ctx context.Context, id uint64, limit int) ([]consultations.Delivery, error) {
	var out []consultations.Delivery
	err := s.db.View(func(tx *bbolt.Tx) error {
		box, pending := tx.Bucket(outboxBucket).Bucket(u64(id)), tx.Bucket(pendingBucket).Bucket(u64(id))
		if box == nil || pending == nil {
			return consultations.Errorf(consultations.ENOTFOUND, "broadcast %d not found", id)
		}
		c := pending.Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			var d consultations.Delivery
			if err := json.Unmarshal(box.Get(k), &d); err != nil {
				return fmt.Errorf("decode delivery: %w", err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, storeError("read outbox", err)
	}
	return out, nil
}

// RecordDelivery stores what became of a delivery and updates its
// broadcast's counters in the same transaction. A blocked citizen is
// unsubscribed. A delivery that is no longer pending is left as it is, so
// a repeated record never counts twice.
func (s *Store) RecordDelivery(ctx context.Context, d consultations.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.write(func(tx *bbolt.Tx) error {
		out := tx.Bucket(outboxBucket).Bucket(u64(d.Broadcast))
		if out == nil {
			return consultations.Errorf(consultations.ENOTFOUND, "broadcast %d not found", d.Broadcast)
		}
		v := out.Get(userKey(d.UserID))
		if v == nil {
			return consultations.Errorf(consultations.ENOTFOUND, "no delivery to %d in broadcast %d", d.UserID, d.Broadcast)
		}
		var stored consultations.Delivery
		if err := json.Unmarshal(v, &stored); err != nil {
			return fmt.Errorf("decode delivery: %w", err)
		}
		if stored.State != consultations.DeliveryPending {
			return nil
		}
		nv, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := out.Put(userKey(d.UserID), nv); err != nil {
			return err
		}
		if d.State != consultations.DeliveryPending {
			if err := tx.Bucket(pendingBucket).Bucket(u64(d.Broadcast)).Delete(userKey(d.UserID)); err != nil {
				return err
			}
		}
		b, err := getBroadcast(tx, d.Broadcast)
		if err != nil {
			return err
		}
		switch d.State {
		case consultations.DeliverySent:
			b.Sent++
		case consultations.DeliveryFailed:
			b.Failed++
		case consultations.DeliverySkipped:
			b.Skipped++
		case consultations.DeliveryBlocked:
			b.Blocked++
			if err := unsubscribe(tx, d.UserID); err != nil {
				return err
			}
		}
		return putBroadcast(tx, b)
	})
	return storeError("record delivery", err)
}

// EachSubscriber calls fn with every subscribed citizen, in user id order.
func (s *Store) EachSubscriber(ctx context.Context, fn func(consultations.Subscriber) error) error {
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(subscribersBucket).ForEach(func(k, v []byte) error {
			var sub consultations.Subscriber
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("decode subscriber: %w", err)
			}
			return fn(sub)
		})
	})
	return storeError("read subscribers", err)
}

// CitizenByUsername finds a citizen by Telegram @username, in any case.
func (s *Store) CitizenByUsername(ctx context.Context, username string) (*consultations.Citizen, error) {
	name := normUsername(username)
	var id int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(usernamesBucket).Get([]byte(name))
		if v == nil {
			return consultations.Errorf(consultations.ENOTFOUND, "no citizen @%s has written to the bot", name)
		}
		id = int64(readU64(v))
		return nil
	})
	if err != nil {
		return nil, storeError("find username", err)
	}
	return s.Citizen(ctx, id)
}

// normUsername is a username as the index keeps it: without @, lower case.
func normUsername(u string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(u), "@"))
}

// subscriberValue is a citizen's entry in the subscribers index.
func subscriberValue(c *consultations.Citizen) ([]byte, error) {
	return json.Marshal(consultations.Subscriber{UserID: c.UserID, ChatID: c.ChatID, Language: c.Language})
}

// indexCitizen keeps the subscribers and usernames indexes in step with a
// citizen being written; old is the stored citizen (nil if new).
func indexCitizen(tx *bbolt.Tx, old, c *consultations.Citizen) error {
	subs := tx.Bucket(subscribersBucket)
	if c.Subscribed {
		v, err := subscriberValue(c)
		if err != nil {
			return err
		}
		if !bytesEqual(subs.Get(userKey(c.UserID)), v) {
			if err := subs.Put(userKey(c.UserID), v); err != nil {
				return err
			}
		}
	} else if old != nil && old.Subscribed {
		if err := subs.Delete(userKey(c.UserID)); err != nil {
			return err
		}
	}
	names := tx.Bucket(usernamesBucket)
	if old != nil && old.Username != "" && normUsername(old.Username) != normUsername(c.Username) {
		if err := names.Delete([]byte(normUsername(old.Username))); err != nil {
			return err
		}
	}
	if c.Username != "" && (old == nil || normUsername(old.Username) != normUsername(c.Username)) {
		return names.Put([]byte(normUsername(c.Username)), userKey(c.UserID))
	}
	return nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
