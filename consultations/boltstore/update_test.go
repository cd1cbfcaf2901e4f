package boltstore

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

func TestUpdateSeen(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if err := s.MarkUpdates(ctx, 10, 11); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkUpdates(ctx); err != nil {
		t.Fatalf("MarkUpdates(): %v", err)
	}
	commitTest(t, s, consultations.Change{UpdateID: 12, Citizen: testCitizen(1)})
	commitTest(t, s, consultations.Change{Citizen: testCitizen(2)}) // no update id
	tests := []struct {
		name string
		id   int64
		want bool
	}{
		{"marked", 10, true},
		{"marked with another", 11, true},
		{"committed", 12, true},
		{"never seen", 13, false},
		{"zero", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.UpdateSeen(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("UpdateSeen(%d) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestUpdatesPruned(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parlabot.db")
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkUpdates(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(6 * 24 * time.Hour)
	if err := s.MarkUpdates(ctx, 2); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * 24 * time.Hour) // 1 is now 8 days old, 2 is 2 days old
	s.Close()

	s = openAt(t, path, clk)
	t.Run("at open", func(t *testing.T) {
		if seen, _ := s.UpdateSeen(ctx, 1); seen {
			t.Error("update 1, 8 days old, still seen after reopening")
		}
		if seen, _ := s.UpdateSeen(ctx, 2); !seen {
			t.Error("update 2, 2 days old, forgotten after reopening")
		}
	})
	t.Run("after many marks", func(t *testing.T) {
		clk.Advance(6 * 24 * time.Hour) // 2 is now 8 days old
		ids := make([]int64, pruneEvery)
		for i := range ids {
			ids[i] = int64(100 + i)
		}
		if err := s.MarkUpdates(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		if seen, _ := s.UpdateSeen(ctx, 2); seen {
			t.Errorf("update 2, 8 days old, still seen after %d marks", pruneEvery)
		}
		if seen, _ := s.UpdateSeen(ctx, ids[len(ids)-1]); !seen {
			t.Error("update just marked was pruned")
		}
	})
}

func TestSecret(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parlabot.db")
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}

	// Callers racing for a new secret all get the same one.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := s.Secret(ctx, consultations.PseudonymKey)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	key := keys[0]
	if len(key) != 32 {
		t.Fatalf("len(Secret) = %d, want 32", len(key))
	}
	for i, k := range keys {
		if !bytes.Equal(k, key) {
			t.Errorf("caller %d got %x, want %x", i, k, key)
		}
	}
	other, err := s.Secret(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, key) {
		t.Error("two secrets are equal")
	}
	want := bytes.Clone(key)
	key[0] ^= 0xff // the caller's copy, not the store's
	if again, _ := s.Secret(ctx, consultations.PseudonymKey); !bytes.Equal(again, want) {
		t.Errorf("changing a returned secret changed the store: got %x, want %x", again, want)
	}
	s.Close()

	s = openAt(t, path, clk)
	tests := []struct {
		name string
		want []byte
	}{
		{consultations.PseudonymKey, want},
		{"other", other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Secret(ctx, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Secret(%q) after reopen = %x, want %x", tt.name, got, tt.want)
			}
		})
	}
	_, err = s.Secret(ctx, "")
	wantCode(t, err, consultations.EINVALID)
}
