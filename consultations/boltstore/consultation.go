package boltstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// PutConsultation creates or updates a consultation. An update that would
// break recorded answers is refused with a *consultations.ValidationError and
// writes nothing. On success c.Created and c.Anonymised (kept from the
// stored version) and c.Updated are set as stored.
func (s *Store) PutConsultation(ctx context.Context, c *consultations.Consultation) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put consultation: %w", err)
	}
	if c.Slug == "" {
		return &consultations.ValidationError{Problems: []consultations.Problem{
			{Path: "slug", Message: "missing; give the consultation a slug such as livestream-2026"},
		}}
	}
	now := s.now()
	stored := *c
	// Only a change to the questions needs the responses read (to refuse
	// what would break them) and the running tally recounted; a change of
	// status, dates or texts, the usual one, needs neither.
	sameQuestions := false
	err := s.db.Update(func(tx *bbolt.Tx) error {
		old, err := consultation(tx, c.Slug)
		if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
			return err
		}
		sameQuestions = old != nil && reflect.DeepEqual(old.Questions, c.Questions)
		if old != nil && !sameQuestions {
			usage, err := consultationUsage(tx, c.Slug)
			if err != nil {
				return err
			}
			if problems := consultations.CheckUpdate(old, c, usage); len(problems) > 0 {
				return &consultations.ValidationError{Problems: problems}
			}
		}
		if old != nil {
			stored.Created = old.Created
			if stored.Anonymised.IsZero() {
				// A copy read before Anonymise ran must not undo it.
				stored.Anonymised = old.Anonymised
			}
		} else {
			stored.Created = now
		}
		stored.Updated = now
		return putConsultation(tx, &stored)
	})
	if err != nil {
		return storeError(fmt.Sprintf("put consultation %q", c.Slug), err)
	}
	if !sameQuestions {
		s.tallies.forget(c.Slug)
	}
	c.Created, c.Updated, c.Anonymised = stored.Created, stored.Updated, stored.Anonymised
	return nil
}

// Consultation returns the consultation with the slug, or an ENOTFOUND error.
func (s *Store) Consultation(ctx context.Context, slug string) (*consultations.Consultation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get consultation %q: %w", slug, err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("get consultation", err)
	}
	defer tx.Rollback()
	v := tx.Bucket(consultationsBucket).Get([]byte(slug))
	if v == nil {
		return nil, consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	c, err := s.decoded.decode(slug, v)
	if err != nil {
		return nil, storeError(fmt.Sprintf("get consultation %q", slug), fmt.Errorf("decode consultation %q: %w", slug, err))
	}
	return c, nil
}

// Consultations returns every consultation, ordered by slug.
func (s *Store) Consultations(ctx context.Context) ([]*consultations.Consultation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list consultations: %w", err)
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, storeError("list consultations", err)
	}
	defer tx.Rollback()
	var list []*consultations.Consultation
	err = tx.Bucket(consultationsBucket).ForEach(func(k, v []byte) error {
		c, err := s.decoded.decode(string(k), v)
		if err != nil {
			return fmt.Errorf("decode consultation %q: %w", k, err)
		}
		list = append(list, c)
		return nil
	})
	if err != nil {
		return nil, storeError("list consultations", err)
	}
	return list, nil
}

// consultation reads a consultation, or returns an ENOTFOUND error.
func consultation(tx *bbolt.Tx, slug string) (*consultations.Consultation, error) {
	v := tx.Bucket(consultationsBucket).Get([]byte(slug))
	if v == nil {
		return nil, consultations.Errorf(consultations.ENOTFOUND, "consultation %q not found", slug)
	}
	c, err := decodeConsultation(v)
	if err != nil {
		return nil, fmt.Errorf("decode consultation %q: %w", slug, err)
	}
	return c, nil
}

// putConsultation writes a consultation and makes sure its responses and
// participants buckets exist.
func putConsultation(tx *bbolt.Tx, c *consultations.Consultation) error {
	v, err := encodeConsultation(c)
	if err != nil {
		return fmt.Errorf("encode consultation: %w", err)
	}
	if err := tx.Bucket(consultationsBucket).Put([]byte(c.Slug), v); err != nil {
		return err
	}
	if _, err := tx.Bucket(responsesBucket).CreateBucketIfNotExists([]byte(c.Slug)); err != nil {
		return err
	}
	_, err = tx.Bucket(participantsBucket).CreateBucketIfNotExists([]byte(c.Slug))
	return err
}

// consultationUsage counts, over a consultation's stored responses, the
// responses answering each question and choosing each option.
func consultationUsage(tx *bbolt.Tx, slug string) (consultations.Usage, error) {
	u := consultations.Usage{
		Answers: map[string]int{},
		Options: map[string]map[string]int{},
	}
	b := tx.Bucket(responsesBucket).Bucket([]byte(slug))
	if b == nil {
		return u, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		answers, err := responseChoices(v)
		if err != nil {
			return fmt.Errorf("decode response %d: %w", readU64(k), err)
		}
		for q, choices := range answers {
			u.Answers[q]++
			for i, o := range choices {
				if slices.Contains(choices[:i], o) {
					continue // counted once per response
				}
				if u.Options[q] == nil {
					u.Options[q] = map[string]int{}
				}
				u.Options[q][o]++
			}
		}
		return nil
	})
	return u, err
}
