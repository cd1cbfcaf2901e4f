package boltstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/parlabot/parlabot/consultations"
)

// The disk fills up during a commit (bbolt's MaxSize stands in for it: no
// room beyond the pages in use): the commit fails and its transaction is rolled back
// whole, so the citizen's place, the response, the completed count and the
// update mark are all as they were. With room again the same change goes
// through.
func TestCommitOnFullDiskLeavesNothingHalfWritten(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	commitTest(t, s, consultations.Change{UpdateID: 1, Citizen: testCitizen(7)})
	used := s.usedBytes(t)
	s.db.MaxSize = int(used) // no room beyond the pages in use

	moved := testCitizen(7)
	moved.Session.Question, moved.Session.Trail = "comment", []string{"channel", "topics", "satisfaction"}
	r := testResponse("survey", "p7", true)
	r.Answers["comment"] = consultations.Answer{Text: strings.Repeat("Mais legendas, por favor. ", 80000)} // 2 MB
	change := consultations.Change{UpdateID: 2, Citizen: moved, Response: r}
	if err := s.Commit(ctx, change); !errors.Is(err, berrors.ErrMaxSizeReached) {
		t.Fatalf("commit on a full disk: err = %v, want %v", err, berrors.ErrMaxSizeReached)
	}

	if seen, err := s.UpdateSeen(ctx, 2); err != nil || seen {
		t.Errorf("update marked after a failed commit (seen %v, err %v)", seen, err)
	}
	if c, err := s.Citizen(ctx, 7); err != nil || c.Session.Question != "topics" {
		t.Errorf("citizen after a failed commit = %+v, %v; want still on topics", c, err)
	}
	if _, err := s.Response(ctx, "survey", "p7"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("response after a failed commit: err = %v, want not found", err)
	}
	if n, err := s.CountCompleted(ctx, "survey"); err != nil || n != 0 {
		t.Errorf("completed after a failed commit = %d, %v; want 0", n, err)
	}
	if got := s.usedBytes(t); got != used {
		t.Errorf("pages in use went from %d to %d bytes after a failed commit", used, got)
	}

	s.db.MaxSize = 0 // room again
	commitTest(t, s, change)
	if seen, _ := s.UpdateSeen(ctx, 2); !seen {
		t.Error("update not marked once there is room")
	}
	if c, err := s.Citizen(ctx, 7); err != nil || c.Session.Question != "comment" {
		t.Errorf("citizen once there is room = %+v, %v", c, err)
	}
	if got, err := s.Response(ctx, "survey", "p7"); err != nil || got.Answers["comment"].Text != r.Answers["comment"].Text {
		t.Errorf("response once there is room: %v", err)
	}
	if n, _ := s.CountCompleted(ctx, "survey"); n != 1 {
		t.Errorf("completed once there is room = %d, want 1", n)
	}
}

// usedBytes is the size of the pages the database uses (its file may be
// bigger, grown ahead).
func (s *Store) usedBytes(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := s.db.View(func(tx *bbolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
