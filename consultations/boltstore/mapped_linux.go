package boltstore

import (
	"syscall"

	"go.etcd.io/bbolt"
)

// dropMapped tells the kernel that this process need not keep the pages of
// the database file it has read resident. bbolt reads the file through a
// shared, read-only memory map, and every page a long read touches (an
// export, a recount) would otherwise count in the process's memory until
// it ends: a million responses would make the process as large as the
// file. The pages stay in the kernel's page cache, and a later read of one
// maps it again at the cost of a minor fault, with the same content, since
// bbolt writes through the file, never through the map.
func dropMapped(tx *bbolt.Tx) {
	data, size := tx.DB().Info().Data, tx.Size()
	if data == 0 || size <= 0 {
		return
	}
	// An error only means the pages stay, as without the call.
	syscall.Syscall(syscall.SYS_MADVISE, data, uintptr(size), syscall.MADV_DONTNEED)
}
