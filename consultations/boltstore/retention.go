package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// anonymiseBatch is how many responses one transaction of Anonymise
// unlinks, so that the answers committed meanwhile wait for one batch, not
// for a whole consultation of a million responses.
var anonymiseBatch = 2000

// Anonymise unlinks a closed consultation's responses from the citizens who
// gave them, in batches of anonymiseBatch through the group commit. Each
// batch takes responses out of the participants index and gives each of
// them a random id in place of its pseudonym, so a batch is never undone
// and a crash half-way leaves the rest for the next call. The last one
// ends the conversations in progress on the consultation, empties the
// outboxes of its finished broadcasts and marks it anonymised. Answers
// stay byte for byte, so the tallies need no change.
func (s *Store) Anonymise(ctx context.Context, slug string) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("anonymise %q: %w", slug, err)
		}
		var n int
		var done bool
		err := s.committer.do(func(tx *bbolt.Tx) error {
			var err error
			n, done, err = anonymiseSome(tx, slug, s.now(), anonymiseBatch)
			return err
		}, nil)
		if err != nil {
			return total, storeError(fmt.Sprintf("anonymise %q", slug), err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}

// anonymiseSome unlinks up to limit responses of a consultation and, when
// none is left linked, finishes (see Anonymise). It reports how many it
// unlinked and whether the consultation is now anonymised.
func anonymiseSome(tx *bbolt.Tx, slug string, now time.Time, limit int) (int, bool, error) {
	c, err := consultation(tx, slug)
	if err != nil {
		return 0, false, err
	}
	if !c.Anonymised.IsZero() {
		return 0, true, nil
	}
	if c.StatusAt(now) != consultations.StatusClosed {
		return 0, false, consultations.Errorf(consultations.EINVALID,
			"consultation %q is not closed: only a closed consultation's responses are unlinked from the citizens who gave them", slug)
	}
	index, b := tx.Bucket(participantsBucket).Bucket([]byte(slug)), tx.Bucket(responsesBucket).Bucket([]byte(slug))
	if index == nil || b == nil {
		return 0, false, consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	var participants, keys [][]byte
	cur := index.Cursor()
	for k, v := cur.First(); k != nil && len(participants) < limit; k, v = cur.Next() {
		participants, keys = append(participants, bytes.Clone(k)), append(keys, bytes.Clone(v))
	}
	n := 0
	for i, key := range keys {
		if err := index.Delete(participants[i]); err != nil {
			return 0, false, fmt.Errorf("delete participant: %w", err)
		}
		v := b.Get(key)
		if v == nil {
			continue
		}
		r, err := decodeResponse(v)
		if err != nil {
			return 0, false, fmt.Errorf("decode response %d to %q: %w", readU64(key), slug, err)
		}
		r.Participant = randomID()
		enc, err := encodeResponse(r)
		if err != nil {
			return 0, false, fmt.Errorf("encode response: %w", err)
		}
		if err := b.Put(key, enc); err != nil {
			return 0, false, fmt.Errorf("put response: %w", err)
		}
		n++
	}
	if k, _ := index.Cursor().First(); k != nil {
		return n, false, nil
	}
	if err := endSessions(tx, slug); err != nil {
		return 0, false, err
	}
	if err := forgetRecipients(tx, slug); err != nil {
		return 0, false, err
	}
	c.Anonymised = now
	if err := putConsultation(tx, c); err != nil {
		return 0, false, fmt.Errorf("mark %q anonymised: %w", slug, err)
	}
	return n, true, nil
}

// randomID is a participant id that stands for nobody: 16 random bytes in
// hex, the shape of a pseudonym, so exports keep their form.
func randomID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand ends the program instead
	return hex.EncodeToString(b[:])
}

// endSessions deletes the conversations in progress on a consultation: a
// session names the consultation its citizen is answering.
func endSessions(tx *bbolt.Tx, slug string) error {
	sessions := tx.Bucket(sessionsBucket)
	var ended [][]byte
	err := sessions.ForEach(func(k, v []byte) error {
		var s struct {
			Consultation string `json:"consultation"`
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode session %d: %w", readU64(k), err)
		}
		if s.Consultation == slug {
			ended = append(ended, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range ended {
		if err := sessions.Delete(k); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	}
	return nil
}

// forgetRecipients empties the outboxes of a consultation's finished
// broadcasts, which list by Telegram user id whom its invitations and
// results went to (the results, to those who answered). Their counters
// stay. A broadcast not finished is left to finish.
func forgetRecipients(tx *bbolt.Tx, slug string) error {
	var ids [][]byte
	err := tx.Bucket(broadcastsBucket).ForEach(func(k, v []byte) error {
		var bc consultations.Broadcast
		if err := json.Unmarshal(v, &bc); err != nil {
			return fmt.Errorf("decode broadcast %d: %w", readU64(k), err)
		}
		if bc.Consultation == slug && (bc.State == consultations.BroadcastDone || bc.State == consultations.BroadcastCancelled) {
			ids = append(ids, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		for _, parent := range []*bbolt.Bucket{tx.Bucket(outboxBucket), tx.Bucket(pendingBucket)} {
			if parent.Bucket(id) == nil {
				continue
			}
			if err := parent.DeleteBucket(id); err != nil {
				return fmt.Errorf("empty outbox %d: %w", readU64(id), err)
			}
			if _, err := parent.CreateBucket(id); err != nil {
				return fmt.Errorf("empty outbox %d: %w", readU64(id), err)
			}
		}
	}
	return nil
}
