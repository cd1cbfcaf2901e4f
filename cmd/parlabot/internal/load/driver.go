package load

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// tally gathers what the citizens of a run saw.
type tally struct {
	mu        sync.Mutex
	latencies []time.Duration // tap to the bot's first reaction, one per step taken
	completed int             // citizens who took every step
	failed    int             // citizens who gave up
	samples   []string        // the first few reasons they gave up
}

func newTally() *tally { return &tally{latencies: make([]time.Duration, 0, 1<<16)} }

func (t *tally) tap(latency time.Duration) {
	t.mu.Lock()
	t.latencies = append(t.latencies, latency)
	t.mu.Unlock()
}

func (t *tally) complete() {
	t.mu.Lock()
	t.completed++
	t.mu.Unlock()
}

func (t *tally) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed++
	if len(t.samples) < 5 {
		t.samples = append(t.samples, err.Error())
	}
}

func (t *tally) counts() (taps, completed, failed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.latencies), t.completed, t.failed
}

// fill puts the run's counts, rates and latency percentiles in res.
func (t *tally) fill(res *Result, elapsed time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res.Completed, res.Errors, res.ErrorSamples = t.completed, t.failed, slices.Clone(t.samples)
	res.Taps = len(t.latencies)
	res.Seconds = elapsed.Seconds()
	res.TapsPerSecond = float64(res.Taps) / res.Seconds
	slices.Sort(t.latencies)
	res.Latency = Latency{
		P50: ms(percentile(t.latencies, 50)), P95: ms(percentile(t.latencies, 95)),
		P99: ms(percentile(t.latencies, 99)), Max: ms(percentile(t.latencies, 100)),
	}
}

// percentile is the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// takeSteps has c take its steps until the last, pausing think between
// them; it reports each to t.
func takeSteps(ctx context.Context, c citizen, think time.Duration, t *tally) {
	for {
		latency, last, err := c.step(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.fail(err)
			}
			return
		}
		t.tap(latency)
		if last {
			t.complete()
			return
		}
		if think > 0 {
			select {
			case <-time.After(think):
			case <-ctx.Done():
				return
			}
		}
	}
}

// closedLoop has n citizens answer, concurrency of them at once: each
// taps again once the bot has reacted, and when one finishes the next
// begins.
func closedLoop(ctx context.Context, n, concurrency int, think time.Duration, newCitizen func(int) citizen, t *tally) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(concurrency, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i > n {
					return
				}
				takeSteps(ctx, newCitizen(i), think, t)
			}
		})
	}
	wg.Wait()
}

// openLoop has n citizens answer at rate taps per second, whatever the
// bot's pace: every 1/rate seconds a citizen whose last tap the bot has
// reacted to taps again or, when none is waiting, a new citizen starts. A
// slow bot thus has more and more citizens waiting on it, as after a
// broadcast. Each citizen's updates still come one after another, as a
// person's do.
func openLoop(ctx context.Context, n int, rate float64, newCitizen func(int) citizen, t *tally) {
	ready := make(chan citizen, n) // citizens whose last tap the bot has reacted to
	var wg sync.WaitGroup
	var left atomic.Int64 // citizens not finished
	left.Store(int64(n))
	allDone := make(chan struct{})
	finish := func() {
		if left.Add(-1) == 0 {
			close(allDone)
		}
	}
	tap := func(c citizen) {
		wg.Go(func() {
			latency, last, err := c.step(ctx)
			switch {
			case err != nil:
				if ctx.Err() == nil {
					t.fail(err)
				}
				finish()
			case last:
				t.tap(latency)
				t.complete()
				finish()
			default:
				t.tap(latency)
				ready <- c
			}
		})
	}
	started := 0
	begin := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for issued := 0; ; issued++ {
		if wait := time.Until(begin.Add(time.Duration(issued) * interval)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case c := <-ready:
			tap(c)
			continue
		default:
		}
		if started < n {
			started++
			tap(newCitizen(started))
			continue
		}
		// Everyone has started and nobody is waiting to tap: the last
		// citizens are on their way.
		select {
		case c := <-ready:
			tap(c)
		case <-allDone:
		case <-ctx.Done():
		}
		if left.Load() == 0 || ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
}
