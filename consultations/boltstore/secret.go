package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// secretSize is the length of every secret, in bytes.
const secretSize = 32

// Secret returns the named random key, created the first time it is asked
// for and kept in the database from then on.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	if name == "" {
		return nil, consultations.Errorf(consultations.EINVALID, "secret: missing name")
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("secret", err)
	}
	key := bytes.Clone(tx.Bucket(secretsBucket).Get([]byte(name)))
	tx.Rollback()
	if key != nil {
		return key, nil
	}

	fresh := make([]byte, secretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(secretsBucket)
		if v := b.Get([]byte(name)); v != nil {
			key = bytes.Clone(v) // created meanwhile by another caller
			return nil
		}
		key = fresh
		return b.Put([]byte(name), fresh)
	})
	if err != nil {
		return nil, storeError(fmt.Sprintf("secret %q", name), err)
	}
	return key, nil
}
