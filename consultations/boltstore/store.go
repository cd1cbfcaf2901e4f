package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/parlabot/parlabot/consultations"
)

// Bucket names; see the package comment for what each holds.
var (
	consultationsBucket = []byte("consultations")
	responsesBucket     = []byte("responses")
	completedBucket     = []byte("completed")
	participantsBucket  = []byte("participants")
	citizensBucket      = []byte("citizens")
	sessionsBucket      = []byte("sessions")
	updatesBucket       = []byte("updates")
	secretsBucket       = []byte("secrets")
	staffBucket         = []byte("staff")
	auditBucket         = []byte("audit")
	subscribersBucket   = []byte("subscribers")
	usernamesBucket     = []byte("usernames")
	broadcastsBucket    = []byte("broadcasts")
	outboxBucket        = []byte("outbox")
	pendingBucket       = []byte("pending")

	topBuckets = [][]byte{
		consultationsBucket, responsesBucket, participantsBucket, completedBucket,
		citizensBucket, sessionsBucket, updatesBucket, secretsBucket,
		staffBucket, auditBucket, subscribersBucket, usernamesBucket,
		broadcastsBucket, outboxBucket, pendingBucket,
	}
)

// appendFill is how full bbolt fills the pages of the buckets keyed by
// sequence numbers, where new keys only come at the end. Measured with
// BenchmarkCommitAnswers, it writes fewer pages per answer than bbolt's
// default of half-full pages, which spreads the responses being answered
// over more pages, or than 0.9, where a response that grows splits a full
// page.
const appendFill = 0.75

// initialMmapSize is the address space mapped at Open: 1 GiB on 64-bit
// systems, none where address space is scarce. The file itself grows only
// with its data.
const initialMmapSize = (1 << 30) * (strconv.IntSize / 64)

// DefaultLockTimeout is how long Open waits for another process to release
// the database file.
const DefaultLockTimeout = 2 * time.Second

// Options configure a Store. The zero value is ready for production use.
type Options struct {
	// Now is the clock used for Created, Updated and processed updates;
	// time.Now when nil.
	Now func() time.Time
	// LockTimeout is how long Open waits for a file held by another
	// process; DefaultLockTimeout when zero or negative.
	LockTimeout time.Duration
	// NoSync skips syncing to disk, losing acknowledged writes on a crash.
	// For tests and benchmarks only.
	NoSync bool
}

// Store is the bbolt implementation of consultations.Store. It is safe for
// concurrent use.
type Store struct {
	db        *bbolt.DB
	path      string
	now       func() time.Time
	marks     atomic.Int64 // updates marked since Open, to prune now and then
	committer *committer
	tallies   tallies
	decoded   decodedConsultations // (consultation_cache.go)
}

var _ consultations.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed. If another
// process holds the file, Open gives up after opts.LockTimeout with an
// ELOCKED error.
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: opts.LockTimeout,
		NoSync:  opts.NoSync,
		// The freelist is written at every commit (a page or two), so that
		// Open reads it instead of walking every page of the file, which
		// would make a process as large in memory as its database.
		NoFreelistSync: false,
		FreelistType:   bbolt.FreelistMapType,
		// A long read (an export) holds the map in place, and a commit that
		// has to remap the growing file waits for it; mapping room ahead
		// keeps commits from waiting on exports.
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{db: db, path: path, now: opts.Now, tallies: tallies{m: map[string]*consultations.Tally{}}}
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := prepare(tx, path); err != nil {
			return err
		}
		return pruneUpdates(tx, s.now().Add(-updateRetention))
	})
	if err != nil {
		db.Close()
		if consultations.ErrorCode(err) == consultations.EINVALID {
			return nil, err
		}
		return nil, consultations.Errorf(consultations.EINTERNAL, "cannot prepare database %s: %v", path, err)
	}
	s.committer = newCommitter(db)
	return s, nil
}

// prepare creates the buckets of the layout described in the package
// comment. A file from before sessions and participants had buckets of their
// own gets them if it holds no citizens or responses yet, and is refused if
// it does: it was never released, so nothing converts it.
func prepare(tx *bbolt.Tx, path string) error {
	old := tx.Bucket(citizensBucket) != nil && tx.Bucket(sessionsBucket) == nil
	if old && !oldLayoutEmpty(tx) {
		return consultations.Errorf(consultations.EINVALID,
			"cannot open database %s: it was written by a development version of parlabot with another layout; choose another file with --db", path)
	}
	for _, name := range topBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if !old {
		return nil
	}
	return tx.Bucket(consultationsBucket).ForEach(func(slug, _ []byte) error {
		if _, err := tx.Bucket(participantsBucket).CreateBucketIfNotExists(slug); err != nil {
			return fmt.Errorf("create participants of %q: %w", slug, err)
		}
		return nil
	})
}

// oldLayoutEmpty reports whether a file of the old layout holds no citizens
// and no responses.
func oldLayoutEmpty(tx *bbolt.Tx) bool {
	if k, _ := tx.Bucket(citizensBucket).Cursor().First(); k != nil {
		return false
	}
	empty := true
	if responses := tx.Bucket(responsesBucket); responses != nil {
		_ = responses.ForEachBucket(func(slug []byte) error {
			if k, _ := responses.Bucket(slug).Cursor().First(); k != nil {
				empty = false
			}
			return nil
		})
	}
	return empty
}

// openError turns a failure to open the file into one line saying what is
// wrong with which file and what to do.
func openError(path string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return consultations.Errorf(consultations.ELOCKED,
			"database %s is in use by another process (probably another parlabot is running); stop it or choose another file with --db", path)
	case errors.Is(err, fs.ErrNotExist):
		return consultations.Errorf(consultations.EINVALID,
			"cannot open database %s: directory %s does not exist; create it or choose another file with --db", path, filepath.Dir(path))
	case errors.Is(err, fs.ErrPermission):
		return consultations.Errorf(consultations.EINVALID,
			"cannot open database %s: permission denied; fix its permissions or choose another file with --db", path)
	case errors.As(err, &errno) && errno == syscall.EISDIR:
		return consultations.Errorf(consultations.EINVALID,
			"cannot open database %s: it is a directory; choose a file with --db", path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
		return consultations.Errorf(consultations.EINVALID,
			"cannot open database %s: not a parlabot database, or damaged (%v); choose another file with --db", path, err)
	default:
		return consultations.Errorf(consultations.EINTERNAL, "cannot open database %s: %v", path, err)
	}
}

// Path returns the path of the database file, as given to Open.
func (s *Store) Path() string { return s.path }

// Close closes the database file. Commits still waiting to be written fail.
func (s *Store) Close() error {
	if s.committer != nil {
		s.committer.close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	return nil
}

// storeError maps a failure inside the store to what callers expect: domain
// errors pass through as they are, a closed database becomes an EINTERNAL
// error, anything else is wrapped with op.
func storeError(op string, err error) error {
	var de *consultations.Error
	var ve *consultations.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de), errors.As(err, &ve):
		return err
	case errors.Is(err, berrors.ErrDatabaseNotOpen), errors.Is(err, errClosed):
		return fmt.Errorf("%s: %w", op, consultations.Errorf(consultations.EINTERNAL, "database is closed"))
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// write runs fn in a write transaction and returns once it is on disk,
// sharing the transaction and its sync with the writes in flight (see
// committer). fn may run more than once.
func (s *Store) write(fn func(tx *bbolt.Tx) error) error {
	return s.committer.do(fn, nil)
}
