// Package demo holds the reference consultation, embedded, so that the
// sandbox has something to answer on an empty database and tests share one
// copy of the file clerks are shown as the example.
package demo

import _ "embed"

// Reference is the reference consultation file (livestream-2026.yaml):
// every question kind, skip logic, a demographic question and the
// commitment's indicators, in es, pt and en.
//
//go:embed livestream-2026.yaml
var Reference []byte

// Slug is the reference consultation's slug.
const Slug = "livestream-2026"
