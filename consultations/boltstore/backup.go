package boltstore

import (
	"context"
	"fmt"
	"io"
)

// Backup writes a consistent copy of the whole database to w, as of one
// moment, while the store goes on serving reads and writes; the copy is a
// database file Open accepts. It returns the number of bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("back up %s: %w", s.path, err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return 0, storeError("back up", err)
	}
	defer tx.Rollback()
	n, err := tx.WriteTo(ctxWriter{ctx, w})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", s.path, err)
	}
	return n, nil
}

// ctxWriter stops a long copy when its context ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
