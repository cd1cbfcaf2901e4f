package consultations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/consultations/demo"
)

func TestImport(t *testing.T) {
	s, err := boltstore.Open(t.TempDir()+"/p.db", boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)

	c, updated, err := consultations.Import(ctx, s, demo.Reference, now)
	if err != nil || updated || c.Status != consultations.StatusOpen {
		t.Fatalf("first import: %v, updated %v, status %v; want new and open", err, updated, c.Status)
	}
	// Closed by hand, then imported again: still closed, and an update.
	c.Status = consultations.StatusClosed
	if err := s.PutConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	c, updated, err = consultations.Import(ctx, s, demo.Reference, now)
	if err != nil || !updated || c.Status != consultations.StatusClosed {
		t.Fatalf("re-import: %v, updated %v, status %v; want an update that stays closed", err, updated, c.Status)
	}
	// A change that breaks a recorded answer is refused with its line.
	if err := s.Commit(ctx, consultations.Change{Response: &consultations.Response{
		Consultation: demo.Slug, Participant: "p", Answers: map[string]consultations.Answer{"recommend": {Number: 9}},
	}}); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(demo.Reference), "kind: scale               # 0 .. 10", "kind: text", 1)
	_, _, err = consultations.Import(ctx, s, []byte(edited), now)
	var v *consultations.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].Line != 57 {
		t.Fatalf("breaking edit: %v, want one problem on line 57", err)
	}
}
