// Package demo holds the reference consultation, embedded, so that the
// sandbox has something to answer on an empty database and tests share one
// copy of the file clerks are shown as the example.
package demo

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// Reference is the reference consultation file (livestream-2026.yaml):
// every question kind, skip logic, a demographic question and the
// commitment's indicators, in es, pt and en.
//
//go:embed livestream-2026.yaml
var Reference []byte

// Slug is the reference consultation's slug.
const Slug = "livestream-2026"

// Open returns the reference consultation ready to answer at now: open,
// and with no closing date once its own has passed, so that the sandbox
// and load tests can use it whatever the date.
func Open(now time.Time) (*consultations.Consultation, error) {
	f, err := consultations.ParseFile(Reference)
	if err != nil {
		return nil, fmt.Errorf("reference consultation: %w", err)
	}
	c := f.Consultation
	c.Status = consultations.StatusOpen
	if !c.Closes.IsZero() && !now.Before(c.Closes) {
		c.Closes = time.Time{}
	}
	return c, nil
}
