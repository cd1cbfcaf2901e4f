//go:build !linux

package boltstore

import "go.etcd.io/bbolt"

// dropMapped keeps the pages read resident where madvise's semantics for
// shared maps differ from Linux's.
func dropMapped(*bbolt.Tx) {}
