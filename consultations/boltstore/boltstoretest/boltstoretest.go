// Package boltstoretest is what benchmarks of several packages share about
// the bbolt store: the fixture database of a million responses to the
// reference consultation. The boltstore benchmarks generate it, the first
// time, and keep it under os.TempDir; others reuse the same file.
package boltstoretest

import (
	"os"
	"path/filepath"
)

// MillionFixture is the file name of the fixture. Change the version
// whenever the generated responses change, so that no benchmark reads an
// old file.
const MillionFixture = "parlabot-bench-tally1m-v2.db"

// MillionResponses is how many responses the fixture holds, all to the
// reference consultation (demo.Slug).
const MillionResponses = 1_000_000

// MillionPath is where the fixture is kept.
func MillionPath() string {
	return filepath.Join(os.TempDir(), MillionFixture)
}
