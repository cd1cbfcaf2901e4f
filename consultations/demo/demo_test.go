package demo

import (
	"testing"

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
