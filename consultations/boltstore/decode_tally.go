package boltstore

import (
	"fmt"
	"runtime"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// tallyBatch is how many responses go from the cursor to a decoder at once.
const tallyBatch = 256

// dropEvery is how many batches go by between drops of the pages already
// read (see dropMapped).
const dropEvery = 32

// responseBatch is consecutive stored responses, decoded by one decoder and
// then added to the tally in their order.
type responseBatch struct {
	keys, values [][]byte // in the transaction's memory
	responses    []*consultations.Response
	err          error
	decoded      chan struct{}
}

// countResponses adds every response of the bucket b to tl, in key order,
// as a loop over b would, but decoding, most of the work, on every
// processor while this goroutine adds: one goroutine reads the cursor into
// batches, decoders decode them, and Add takes them in order. It returns
// once every goroutine it started is done, so nothing reads the
// transaction's memory after it ends.
func countResponses(b *bbolt.Bucket, tl *consultations.Tally) error {
	return eachDecoded(b, func(r *consultations.Response) error {
		tl.Add(r, +1)
		return nil
	})
}

// eachDecoded calls fn with every response of the bucket b, in key order,
// decoding them on every processor while fn runs (see countResponses). An
// error from fn or from a decoder stops it.
func eachDecoded(b *bbolt.Bucket, fn func(*consultations.Response) error) error {
	decoders := runtime.GOMAXPROCS(0)
	batches := 2*decoders + 2 // in flight at most, reused
	var (
		free    = make(chan *responseBatch, batches)
		work    = make(chan *responseBatch, batches) // never full: at most batches
		ordered = make(chan *responseBatch, batches) // nor this
		quit    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for range batches {
		free <- &responseBatch{decoded: make(chan struct{}, 1)}
	}
	wg.Go(func() {
		defer close(ordered)
		defer close(work)
		c := b.Cursor()
		k, v := c.First()
		for k != nil {
			var batch *responseBatch
			select {
			case batch = <-free:
			case <-quit:
				return
			}
			batch.keys, batch.values = batch.keys[:0], batch.values[:0]
			for ; k != nil && len(batch.values) < tallyBatch; k, v = c.Next() {
				batch.keys, batch.values = append(batch.keys, k), append(batch.values, v)
			}
			work <- batch
			ordered <- batch
		}
	})
	for range decoders {
		wg.Go(func() {
			d := newResponseDecoder()
			for batch := range work {
				batch.responses, batch.err = batch.responses[:0], nil
				for i, v := range batch.values {
					r, err := d.decode(v)
					if err != nil {
						batch.err = fmt.Errorf("decode response %d: %w", readU64(batch.keys[i]), err)
						break
					}
					batch.responses = append(batch.responses, r)
				}
				batch.decoded <- struct{}{}
			}
		})
	}
	var err error
	n := 0
	for batch := range ordered {
		<-batch.decoded
		if err != nil {
			continue // draining: the reader has stopped
		}
		for _, r := range batch.responses {
			if err = fn(r); err != nil {
				break
			}
		}
		clear(batch.responses)
		if n++; n%dropEvery == 0 {
			dropMapped(b.Tx())
		}
		if err == nil {
			err = batch.err
		}
		if err != nil {
			close(quit)
			continue
		}
		free <- batch
	}
	wg.Wait()
	return err
}
