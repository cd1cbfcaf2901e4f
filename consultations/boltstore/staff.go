package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// Grant gives a user a role; granting it again changes nothing.
func (s *Store) Grant(ctx context.Context, userID int64, role consultations.Role) error {
	return s.changeRoles(ctx, userID, func(roles []consultations.Role) []consultations.Role {
		if slices.Contains(roles, role) {
			return roles
		}
		return append(roles, role)
	})
}

// Revoke takes a role away; revoking a role the user lacks changes nothing.
func (s *Store) Revoke(ctx context.Context, userID int64, role consultations.Role) error {
	return s.changeRoles(ctx, userID, func(roles []consultations.Role) []consultations.Role {
		return slices.DeleteFunc(roles, func(r consultations.Role) bool { return r == role })
	})
}

func (s *Store) changeRoles(ctx context.Context, userID int64, change func([]consultations.Role) []consultations.Role) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.write(func(tx *bbolt.Tx) error {
		b := tx.Bucket(staffBucket)
		var roles []consultations.Role
		if v := b.Get(userKey(userID)); v != nil {
			if err := json.Unmarshal(v, &roles); err != nil {
				return fmt.Errorf("decode roles: %w", err)
			}
		}
		roles = change(roles)
		if len(roles) == 0 {
			return b.Delete(userKey(userID))
		}
		v, err := json.Marshal(roles)
		if err != nil {
			return err
		}
		return b.Put(userKey(userID), v)
	})
	return storeError("change roles", err)
}

// StaffRoles returns the roles granted in chat to each user who has one.
func (s *Store) StaffRoles(ctx context.Context) (map[int64][]consultations.Role, error) {
	out := map[int64][]consultations.Role{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(staffBucket).ForEach(func(k, v []byte) error {
			var roles []consultations.Role
			if err := json.Unmarshal(v, &roles); err != nil {
				return fmt.Errorf("decode roles: %w", err)
			}
			out[int64(readU64(k))] = roles
			return nil
		})
	})
	if err != nil {
		return nil, storeError("read staff roles", err)
	}
	return out, nil
}

// Audit appends an entry to the audit log, numbering it.
func (s *Store) Audit(ctx context.Context, e consultations.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.write(func(tx *bbolt.Tx) error {
		b := tx.Bucket(auditBucket)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		entry := e
		entry.Seq = seq
		v, err := json.Marshal(entry)
		if err != nil {
			return err
		}
		return b.Put(u64(seq), v)
	})
	return storeError("write audit log", err)
}

// AuditLog returns the latest entries, newest first, at most limit.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]consultations.AuditEntry, error) {
	var out []consultations.AuditEntry
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(auditBucket).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var e consultations.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, storeError("read audit log", err)
	}
	return out, nil
}
