package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// reportJSON is a tally's report, as JSON, for comparing tallies.
func reportJSON(t *testing.T, c *consultations.Consultation, tl *consultations.Tally) string {
	t.Helper()
	b, err := json.Marshal(consultations.BuildReport(c, tl, nil, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fromScratch is the tally a full recount of the stored responses gives.
func fromScratch(t *testing.T, s *Store, c *consultations.Consultation) *consultations.Tally {
	t.Helper()
	tl := consultations.NewTally(c)
	if err := s.EachResponse(context.Background(), c.Slug, func(r *consultations.Response) error {
		tl.Add(r, +1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return tl
}

// The running tally follows every commit exactly: new responses, changed
// answers, responses completed, from many citizens at once; and an edit of
// the consultation makes it recount.
func TestTallyFollowsCommits(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	c := testConsultation("survey")
	if err := s.PutConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	answer := func(p string, sat int, done bool) {
		t.Helper()
		r := &consultations.Response{Consultation: c.Slug, Participant: p, Language: "es",
			Started: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
			Answers: map[string]consultations.Answer{"satisfaction": {Number: sat}}}
		if done {
			r.Completed = r.Started.Add(90 * time.Second)
		}
		if err := s.Commit(ctx, consultations.Change{Response: r}); err != nil {
			t.Fatal(err)
		}
	}
	answer("a", 5, true)
	answer("b", 2, false)
	if _, err := s.Tally(ctx, c.Slug); err != nil { // built here from 2 responses
		t.Fatal(err)
	}
	answer("b", 4, true) // changed: the 2 must leave the tally
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { answer(fmt.Sprintf("p%d", i), 1+i%5, i%3 == 0) })
	}
	wg.Wait()

	got, err := s.Tally(ctx, c.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := reportJSON(t, c, got), reportJSON(t, c, fromScratch(t, s, c)); g != w {
		t.Errorf("running tally:\n%s\nrecount:\n%s", g, w)
	}

	// A snapshot is a copy: later answers don't change it.
	before := reportJSON(t, c, got)
	answer("late", 3, true)
	if reportJSON(t, c, got) != before {
		t.Error("a snapshot changed after a later commit")
	}

	// Editing the consultation (a new question) makes the tally recount.
	c2 := testConsultation("survey")
	c2.Questions = append(c2.Questions, consultations.Question{ID: "extra", Kind: consultations.KindScale, Text: consultations.Text{"es": "¿Otra?"}})
	if err := s.PutConsultation(ctx, c2); err != nil {
		t.Fatal(err)
	}
	got, err = s.Tally(ctx, c.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := reportJSON(t, c2, got), reportJSON(t, c2, fromScratch(t, s, c2)); g != w {
		t.Errorf("after an edit, running tally:\n%s\nrecount:\n%s", g, w)
	}
	if _, err := s.Tally(ctx, "nope"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("tally of an unknown consultation: %v, want ENOTFOUND", err)
	}
}
