package demo

import (
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

func TestReferenceParses(t *testing.T) {
	f, err := consultations.ParseFile(Reference)
	if err != nil {
		t.Fatalf("the embedded reference file does not parse: %v", err)
	}
	if got := f.Consultation.Slug; got != Slug {
		t.Errorf("slug = %q, want %q", got, Slug)
	}
}

// The reference consultation opens for the sandbox and load tests whatever
// the date: before its dates, during them, and after it closes.
func TestOpen(t *testing.T) {
	f, err := consultations.ParseFile(Reference)
	if err != nil {
		t.Fatal(err)
	}
	closes := f.Consultation.Closes
	for _, now := range []time.Time{f.Consultation.Opens.Add(-24 * time.Hour), closes.Add(-time.Hour), closes, closes.Add(365 * 24 * time.Hour)} {
		c, err := Open(now)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != consultations.StatusOpen || c.Slug != Slug {
			t.Errorf("at %v: status %q, slug %q", now, c.Status, c.Slug)
		}
		if now.Before(closes) != c.Closes.Equal(closes) || (!now.Before(closes) && !c.Closes.IsZero()) {
			t.Errorf("at %v: closes %v; want %v until then, none after", now, c.Closes, closes)
		}
	}
}
