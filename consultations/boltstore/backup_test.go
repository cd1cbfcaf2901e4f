package boltstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// TestBackup copies a database while it stays open and checks that the copy
// opens and holds the same consultations and responses.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := testConsultation("survey")
	putTest(t, s, c)
	commitTest(t, s, consultations.Change{Response: testResponse("survey", "p1", true)})

	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup wrote %d bytes, reported %d", buf.Len(), n)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer cp.Close()
	if _, err := cp.Consultation(ctx, c.Slug); err != nil {
		t.Fatalf("copy lacks the consultation: %v", err)
	}
	count := 0
	if err := cp.EachResponse(ctx, c.Slug, func(*consultations.Response) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("copy has %d responses, want 1", count)
	}
}

func TestCountStarted(t *testing.T) {
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	ctx := context.Background()
	if n, err := s.CountStarted(ctx, "survey"); n != 0 || err != nil {
		t.Fatalf("before any response: %d, %v", n, err)
	}
	commitTest(t, s, consultations.Change{Response: testResponse("survey", "p1", false)})
	commitTest(t, s, consultations.Change{Response: testResponse("survey", "p2", true)})
	commitTest(t, s, consultations.Change{Response: testResponse("survey", "p1", true)}) // the same response, finished
	if n, err := s.CountStarted(ctx, "survey"); n != 2 || err != nil {
		t.Errorf("CountStarted = %d, %v; want 2", n, err)
	}
}

// TestStatusChangeKeepsTheTally checks that saving a consultation whose
// questions did not change (a status, a date, a text) keeps its running
// tally instead of recounting every response, and that a change of
// questions drops it.
func TestStatusChangeKeepsTheTally(t *testing.T) {
	s, _ := openTest(t)
	c := testConsultation("survey")
	putTest(t, s, c)
	commitTest(t, s, consultations.Change{Response: testResponse("survey", "p1", true)})
	if _, err := s.Tally(context.Background(), "survey"); err != nil {
		t.Fatal(err)
	}
	kept := func() bool {
		s.tallies.mu.Lock()
		defer s.tallies.mu.Unlock()
		return s.tallies.m["survey"] != nil
	}
	closed := *c
	closed.Status = consultations.StatusClosed
	closed.Title = consultations.Text{"es": "Otro título"}
	putTest(t, s, &closed)
	if !kept() {
		t.Error("a change of status and title dropped the tally")
	}
	more := closed
	more.Questions = append(append([]consultations.Question(nil), c.Questions...), consultations.Question{
		ID: "extra", Kind: consultations.KindText, Text: consultations.Text{"es": "¿Algo más?"}, Optional: true,
	})
	putTest(t, s, &more)
	if kept() {
		t.Error("a change of questions kept the old tally")
	}
}
