package boltstore

import (
	"errors"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// maxGroup is the most writes one transaction takes.
const maxGroup = 1024

// committer is a group commit: one goroutine runs the writes that queue up
// while the previous transaction syncs, all in the next transaction, so a
// crowd of citizens shares each disk sync. Unlike bbolt's Batch it waits
// for no timer: a write alone commits at once, and a write that arrives
// during a sync waits for that one sync only.
type committer struct {
	db    *bbolt.DB
	queue chan *write
	wg    sync.WaitGroup

	// letGoEvery is how often, at most, the loop lets go of the file's
	// pages the process has mapped; lastLetGo when it last did.
	letGoEvery time.Duration
	lastLetGo  time.Time

	mu     sync.RWMutex
	closed bool
}

// write is one caller's function and where its result goes. after, when
// set, runs once the transaction is on disk, on the commit loop, in commit
// order: what it changes in memory follows the file exactly.
type write struct {
	fn    func(*bbolt.Tx) error
	after func()
	done  chan error
}

// errClosed is returned for writes after Close.
var errClosed = errors.New("database is closed")

func newCommitter(db *bbolt.DB) *committer {
	c := &committer{db: db, queue: make(chan *write, maxGroup), letGoEvery: letGoEvery}
	c.wg.Add(1)
	go c.loop()
	return c
}

// do runs fn in a write transaction shared with other writers and returns
// once it is on disk. fn may run more than once, so it must only read the
// transaction and what it captured.
func (c *committer) do(fn func(*bbolt.Tx) error, after func()) error {
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	w := &write{fn: fn, after: after, done: make(chan error, 1)}
	c.queue <- w
	c.mu.RUnlock()
	return <-w.done
}

// close finishes the writes already queued and stops the loop.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *committer) loop() {
	defer c.wg.Done()
	group := make([]*write, 0, maxGroup)
	for w := range c.queue {
		group = append(group[:0], w)
	drain:
		for len(group) < maxGroup {
			select {
			case w, ok := <-c.queue:
				if !ok {
					break drain
				}
				group = append(group, w)
			default:
				break drain
			}
		}
		c.commit(group)
		c.letGo()
	}
}

// letGoEvery is how often a busy commit loop lets go of the database
// pages the process has mapped (see dropMapped). Every commit rewrites
// pages copy-on-write into free pages anywhere in the file, and reading
// them back maps them, so under a steady load the process would come to
// map most of the file: 115 MB of a 152 MB file in ten thousand answers.
// The pages stay in the page cache; the few in use are mapped again at a
// minor fault each.
const letGoEvery = time.Second

// letGo lets go of the mapped pages if it is time to.
func (c *committer) letGo() {
	if now := time.Now(); now.Sub(c.lastLetGo) >= c.letGoEvery {
		c.lastLetGo = now
		_ = c.db.View(func(tx *bbolt.Tx) error {
			dropMapped(tx)
			return nil
		})
	}
}

// commit runs a group in one transaction. When one write fails, the
// transaction is rolled back, that write alone gets its error, and the rest
// are committed together again.
func (c *committer) commit(group []*write) {
	for len(group) > 0 {
		failed := -1
		var failure error
		err := c.db.Update(func(tx *bbolt.Tx) error {
			for i, w := range group {
				if err := w.fn(tx); err != nil {
					failed, failure = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range group {
				if err == nil && w.after != nil {
					w.after()
				}
				w.done <- err
			}
			return
		}
		group[failed].done <- failure
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}
