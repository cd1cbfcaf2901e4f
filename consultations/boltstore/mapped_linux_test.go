package boltstore

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// mappedKB is how much of the file at path this process has mapped and
// resident, from /proc/self/smaps.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	kb, inFile := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 6 && strings.Contains(fields[0], "-"):
			inFile = fields[len(fields)-1] == path
		case inFile && len(fields) == 3 && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kb += n
		}
	}
	return kb
}

// Under a steady load the commit loop lets go, now and then, of the file's
// pages the process has mapped, so the process doesn't come to hold the
// whole file; what it reads afterwards is all there.
func TestCommitsLetGoOfMappedPages(t *testing.T) {
	s, _ := openTest(t)
	// Set on the commit loop, which reads it.
	letGoEvery := func(d time.Duration) {
		err := s.committer.do(func(*bbolt.Tx) error {
			s.committer.letGoEvery = d
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	letGoEvery(time.Hour)
	value := []byte(strings.Repeat("x", 8<<10))
	// 64 MB: far more than the few pages a commit maps again (each fault
	// maps its neighbours in the page cache too).
	for c := range 32 {
		err := s.committer.do(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("test"))
			if err != nil {
				return err
			}
			for i := range 256 {
				if err := b.Put(fmt.Appendf(nil, "%02d-%03d", c, i), value); err != nil {
					return err
				}
			}
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	read := func() int {
		n := 0
		err := s.db.View(func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("test")).ForEach(func(_, v []byte) error {
				n += len(v)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := read()
	before := mappedKB(t, s.path)
	if before < 32<<10 {
		t.Fatalf("only %d KB of the file mapped after reading %d KB: nothing to let go of", before, want>>10)
	}

	letGoEvery(0)
	// The loop lets go after a commit's callers have their answer: the
	// second commit comes after the first one's letting go.
	for id := range int64(2) {
		if err := s.MarkUpdates(t.Context(), id+1); err != nil {
			t.Fatal(err)
		}
	}
	after := mappedKB(t, s.path)
	t.Logf("mapped: %d KB before, %d KB after", before, after)
	if after > before/3 {
		t.Errorf("after a commit, %d KB of the file still mapped (%d KB before)", after, before)
	}
	if got := read(); got != want {
		t.Errorf("read %d bytes after letting go, want %d", got, want)
	}
}
