package boltstore

import (
	"bytes"
	"maps"
	"slices"
	"sync"

	"github.com/parlabot/parlabot/consultations"
)

// decodedConsultations keeps each consultation as last decoded, with the
// bytes it was decoded from. The bot reads the consultation at every tap;
// when the stored bytes are the same, a copy of the decoded one costs a
// fraction of decoding the JSON again. Comparing the bytes, rather than
// forgetting entries on writes, keeps it right whatever writes the bucket.
type decodedConsultations struct {
	mu sync.Mutex
	m  map[string]decodedConsultation
}

type decodedConsultation struct {
	raw []byte
	c   *consultations.Consultation
}

// decode returns the consultation stored as raw under slug, a copy the
// caller may change. raw need only be valid for the call.
func (d *decodedConsultations) decode(slug string, raw []byte) (*consultations.Consultation, error) {
	d.mu.Lock()
	e, ok := d.m[slug]
	d.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return cloneConsultation(e.c), nil
	}
	c, err := decodeConsultation(raw)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]decodedConsultation{}
	}
	d.m[slug] = decodedConsultation{raw: bytes.Clone(raw), c: cloneConsultation(c)}
	return c, nil
}

// cloneConsultation is a deep copy of c: nothing in it is shared with c.
func cloneConsultation(c *consultations.Consultation) *consultations.Consultation {
	d := *c
	d.Commitment.Title = maps.Clone(c.Commitment.Title)
	d.Commitment.Indicators = slices.Clone(c.Commitment.Indicators)
	d.Title, d.Intro = maps.Clone(c.Title), maps.Clone(c.Intro)
	d.Questions = slices.Clone(c.Questions)
	for i := range d.Questions {
		q := &d.Questions[i]
		q.Text = maps.Clone(q.Text)
		q.Options = slices.Clone(q.Options)
		for j := range q.Options {
			q.Options[j].Text = maps.Clone(q.Options[j].Text)
		}
		if q.When != nil {
			w := *q.When
			w.Is = slices.Clone(w.Is)
			q.When = &w
		}
	}
	return &d
}
