package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/consultations/demo"
)

// baseline is what the database holds before a run: the runs' answers
// are counted on top of it.
type baseline struct {
	citizens int // completed responses (the existing citizens')
	answers  int // their answers
}

// prepare makes sure the database at path holds the reference
// consultation, open, and, when it is created, existing citizens who have
// consented and completed a response; it returns what the database holds.
func prepare(ctx context.Context, path string, existing int, progress io.Writer) (baseline, error) {
	_, err := os.Stat(path)
	created := errors.Is(err, fs.ErrNotExist)
	if err != nil && !created {
		return baseline{}, err
	}
	if !created && existing > 0 {
		return baseline{}, fmt.Errorf("%s exists: existing citizens are added only to a new database; leave out --existing or choose a new file", path)
	}
	// The writes here are setup, not what is measured: no disk syncs. The
	// bots open the file after Close, from the page cache.
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		return baseline{}, err
	}
	defer s.Close()
	c, err := openReference(ctx, s)
	if err != nil {
		return baseline{}, err
	}
	if created && existing > 0 {
		if err := addExisting(ctx, s, c, existing, progress); err != nil {
			return baseline{}, err
		}
	}
	var b baseline
	b.citizens, b.answers, err = countAnswers(ctx, s)
	if err != nil {
		return baseline{}, err
	}
	return b, s.Close()
}

// openReference imports the reference consultation unless the database
// has it, and makes sure it is open whatever the date, as the sandbox does.
func openReference(ctx context.Context, s consultations.Store) (*consultations.Consultation, error) {
	c, err := s.Consultation(ctx, demo.Slug)
	switch {
	case consultations.ErrorCode(err) == consultations.ENOTFOUND:
		c, err = demo.Open(time.Now())
	case err == nil && c.Status == consultations.StatusOpen && c.StatusAt(time.Now()) == consultations.StatusOpen:
		return c, nil // stored and open
	}
	if err != nil {
		return nil, err
	}
	c.Status, c.Closes, c.ClosedAt = consultations.StatusOpen, time.Time{}, time.Time{}
	if err := s.PutConsultation(ctx, c); err != nil {
		return nil, fmt.Errorf("open the reference consultation: %w", err)
	}
	return c, nil
}

// existingID is the Telegram user id of the nth existing citizen, spread
// over 1e8..4.4e9 as real ids are (a multiplicative hash, so no two
// collide), which never meets the simulated citizens' (citizenBase).
func existingID(n int) int64 { return 100_000_000 + int64(uint32(n)*2654435761) }

// addExisting writes n citizens who accepted the privacy notice and
// completed a response, many at once so that commits are shared.
func addExisting(ctx context.Context, s consultations.Store, c *consultations.Consultation, n int, progress io.Writer) error {
	key, err := s.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		return err
	}
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var failure error
	began := time.Now()
	for w := range 256 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				i := int(next.Add(1))
				if i > n || ctx.Err() != nil {
					return
				}
				id := existingID(i)
				when := began.Add(-time.Duration(rng.IntN(30*24*3600)) * time.Second)
				lang := languages[i%len(languages)][:2]
				citizen := &consultations.Citizen{UserID: id, ChatID: id, Language: lang, Created: when, Consented: when,
					Username: fmt.Sprintf("existing%d", i), SubscribeAsked: true, Subscribed: i%3 == 0}
				r := &consultations.Response{Consultation: c.Slug, Participant: consultations.Pseudonym(key, id),
					Language: lang, Started: when, Updated: when.Add(time.Minute), Completed: when.Add(time.Minute),
					Answers: newPlan(rng).answers(c)}
				if err := s.Commit(ctx, consultations.Change{Citizen: citizen, Response: r}); err != nil {
					once.Do(func() { failure = fmt.Errorf("add existing citizen %d: %w", i, err) })
					return
				}
				if d := done.Add(1); progress != nil && d%20_000 == 0 {
					fmt.Fprintf(progress, "loadtest: %d existing citizens written\n", d)
				}
			}
		})
	}
	wg.Wait()
	if failure != nil {
		return failure
	}
	return ctx.Err()
}

// countAnswers counts the completed responses to the reference
// consultation and their answers.
func countAnswers(ctx context.Context, s consultations.Store) (completed, answers int, err error) {
	err = s.EachResponse(ctx, demo.Slug, func(r *consultations.Response) error {
		if r.IsCompleted() {
			completed++
		}
		answers += len(r.Answers)
		return nil
	})
	return completed, answers, err
}
