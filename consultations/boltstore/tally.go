package boltstore

import (
	"context"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// tallies are the running tallies of consultations, kept in memory: built
// from the stored responses the first time a consultation's indicators are
// asked for, then moved on by every committed answer, so that a report on
// a million responses reads counts instead of responses.
type tallies struct {
	mu sync.Mutex
	m  map[string]*consultations.Tally
}

// replace moves a consultation's tally from the response prev (encoded; nil
// for a new response) to r. It runs on the commit loop after the commit,
// so tallies follow the file in commit order.
func (t *tallies) replace(slug string, prev []byte, r *consultations.Response) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := t.m[slug]
	if tl == nil {
		return
	}
	if prev != nil {
		old, err := decodeResponse(prev)
		if err != nil {
			delete(t.m, slug) // rebuilt from the file when next asked for
			return
		}
		tl.Add(old, -1)
	}
	tl.Add(r, +1)
}

// remove takes a deleted response out of its consultation's tally. It runs
// on the commit loop after the commit, as replace does.
func (t *tallies) remove(r *consultations.Response) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tl := t.m[r.Consultation]; tl != nil {
		tl.Add(r, -1)
	}
}

// forget drops a tally, to be rebuilt when next asked for (its
// consultation's questions changed).
func (t *tallies) forget(slug string) {
	t.mu.Lock()
	delete(t.m, slug)
	t.mu.Unlock()
}

// snapshot returns a copy of a tally, or nil when it isn't built.
func (t *tallies) snapshot(slug string) *consultations.Tally {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tl := t.m[slug]; tl != nil {
		return tl.Clone()
	}
	return nil
}

// Tally returns a snapshot of the consultation's running tally. The first
// call for a consultation builds it from every stored response, on the
// commit loop, so no answer is missed or counted twice; commits wait for
// that one scan (about 2 s per million responses on two cores; see
// countResponses and BenchmarkTallyRecompute1M).
func (s *Store) Tally(ctx context.Context, slug string) (*consultations.Tally, error) {
	if tl := s.tallies.snapshot(slug); tl != nil {
		return tl, nil
	}
	var built *consultations.Tally
	build := func(tx *bbolt.Tx) error {
		c, err := consultation(tx, slug)
		if err != nil {
			return err
		}
		tl := consultations.NewTally(c)
		if b := tx.Bucket(responsesBucket).Bucket([]byte(slug)); b != nil {
			if err := countResponses(b, tl); err != nil {
				return err
			}
		}
		built = tl
		return nil
	}
	var got *consultations.Tally
	install := func() { got = s.tallies.install(slug, built) }
	if err := s.committer.do(build, install); err != nil {
		return nil, storeError(fmt.Sprintf("tally %q", slug), err)
	}
	return got, nil
}

// install keeps tl as the slug's tally unless another was installed
// meanwhile, and returns a copy of the one kept: a forget between the
// install and the copy (a change of questions) then cannot leave the caller
// without a tally.
func (t *tallies) install(slug string, tl *consultations.Tally) *consultations.Tally {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[slug] == nil {
		t.m[slug] = tl
	}
	return t.m[slug].Clone()
}
