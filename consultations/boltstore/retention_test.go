package boltstore

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

func TestAnonymise(t *testing.T) {
	ctx := context.Background()
	path, clk := filepath.Join(t.TempDir(), "parlabot.db"), newClock()
	s := openAt(t, path, clk)
	old, live := testConsultation("old"), testConsultation("live")
	old.Status, old.ClosedAt = consultations.StatusClosed, t0
	live.Closes = time.Time{} // open still, however late
	putTest(t, s, old)
	putTest(t, s, live)

	// Seven citizens answered old (more than a batch), the first also
	// live; the first is still on old's last question, the second on live.
	var pseudonyms []string
	for i := range 7 {
		p := fmt.Sprintf("pseudonym-%d", i)
		pseudonyms = append(pseudonyms, p)
		ch := consultations.Change{Response: satisfied("old", p, 1+i%5, i%3 != 0)}
		if i < 2 {
			c := testCitizen(int64(i + 1))
			c.Session.Consultation = []string{"old", "live"}[i]
			ch.Citizen = c
		}
		commitTest(t, s, ch)
	}
	commitTest(t, s, consultations.Change{Response: satisfied("live", pseudonyms[0], 3, true)})
	done := &consultations.Broadcast{Kind: consultations.BroadcastResults, Consultation: "old", State: consultations.BroadcastDone}
	other := &consultations.Broadcast{Consultation: "live", State: consultations.BroadcastDone}
	for _, bc := range []*consultations.Broadcast{done, other} {
		if err := s.CreateBroadcast(ctx, bc, []consultations.Delivery{{UserID: 1, ChatID: 1}, {UserID: 2, ChatID: 2}}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{1, 2} {
			if err := s.RecordDelivery(ctx, consultations.Delivery{Broadcast: bc.ID, UserID: id, ChatID: id, State: consultations.DeliverySent}); err != nil {
				t.Fatal(err)
			}
		}
	}
	stale, err := s.Consultation(ctx, "old") // read before, stored after
	if err != nil {
		t.Fatal(err)
	}
	var before []*consultations.Response
	if err := s.EachResponse(ctx, "old", func(r *consultations.Response) error {
		before = append(before, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tallyBefore := tallyJSON(t, s, old)
	completedBefore, _ := s.CountCompleted(ctx, "old")

	defer func(n int) { anonymiseBatch = n }(anonymiseBatch)
	anonymiseBatch = 3
	clk.Advance(400 * 24 * time.Hour)
	n, err := s.Anonymise(ctx, "old")
	if err != nil || n != 7 {
		t.Fatalf("Anonymise = %d, %v; want 7 responses unlinked", n, err)
	}

	check := func(t *testing.T, s *Store) {
		t.Helper()
		for _, p := range pseudonyms {
			if _, err := s.Response(ctx, "old", p); consultations.ErrorCode(err) != consultations.ENOTFOUND {
				t.Errorf("Response(old, %s): %v, want ENOTFOUND", p, err)
			}
			if where := containing(t, s, []byte(p)); len(where) != 0 && p != pseudonyms[0] {
				t.Errorf("pseudonym %s is still in %v", p, where)
			}
		}
		if rs, _ := s.ResponsesOf(ctx, pseudonyms[0]); len(rs) != 1 || rs[0].Consultation != "live" {
			t.Errorf("ResponsesOf(first) = %v, want only their response to live", rs)
		}
		if keys := rawKeys(t, s, participantsBucket, []byte("old")); len(keys) != 0 {
			t.Errorf("old's participants index has %d entries, want none", len(keys))
		}
		var after []*consultations.Response
		if err := s.EachResponse(ctx, "old", func(r *consultations.Response) error {
			after = append(after, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("old has %d responses, want %d as before", len(after), len(before))
		}
		seen := map[string]bool{}
		for i, r := range after {
			if b, err := hex.DecodeString(r.Participant); err != nil || len(b) != 16 || seen[r.Participant] || slices.Contains(pseudonyms, r.Participant) {
				t.Errorf("response %d: participant %q, want a new random id of 32 hex digits, one per response", i, r.Participant)
			}
			seen[r.Participant] = true
			was := *before[i]
			was.Participant = r.Participant
			if !reflect.DeepEqual(r, &was) {
				t.Errorf("response %d = %+v, want %+v but for its participant", i, r, &was)
			}
		}
		if got := tallyJSON(t, s, old); got != tallyBefore {
			t.Errorf("old's tally:\n%s\nwant as before:\n%s", got, tallyBefore)
		}
		if n, _ := s.CountCompleted(ctx, "old"); n != completedBefore {
			t.Errorf("old completed = %d, want %d as before", n, completedBefore)
		}
		if c, _ := s.Citizen(ctx, 1); c == nil || c.Session != nil {
			t.Errorf("citizen 1 = %+v, want their session on old ended", c)
		}
		if c, _ := s.Citizen(ctx, 2); c == nil || c.Session == nil || c.Session.Consultation != "live" {
			t.Errorf("citizen 2 = %+v, want their session on live kept", c)
		}
		if keys := rawKeys(t, s, outboxBucket, u64(done.ID)); len(keys) != 0 {
			t.Errorf("old's results went to %d recipients still listed, want none", len(keys))
		}
		if bc := getBroadcastTest(t, s, done.ID); bc.Sent != 2 || bc.Total != 2 {
			t.Errorf("old's broadcast = %+v, want its counters kept", bc)
		}
		if keys := rawKeys(t, s, outboxBucket, u64(other.ID)); len(keys) != 2 {
			t.Errorf("live's broadcast lists %d recipients, want 2 as before", len(keys))
		}
		if c, _ := s.Consultation(ctx, "old"); c == nil || !c.Anonymised.Equal(clk.Now()) {
			t.Errorf("old = %+v, want Anonymised %v", c, clk.Now())
		}
		if r, err := s.Response(ctx, "live", pseudonyms[0]); err != nil || r.Answers["satisfaction"].Number != 3 {
			t.Errorf("Response(live, first) = %+v, %v; want it untouched", r, err)
		}
	}
	t.Run("at once", func(t *testing.T) { check(t, s) })

	t.Run("once only", func(t *testing.T) {
		ids := participantsOf(t, s, "old")
		if n, err := s.Anonymise(ctx, "old"); n != 0 || err != nil {
			t.Errorf("Anonymise again = %d, %v; want 0 and no error", n, err)
		}
		if got := participantsOf(t, s, "old"); !slices.Equal(got, ids) {
			t.Errorf("participants changed on a second Anonymise")
		}
		// A copy of the consultation read before cannot undo it.
		stale.Title["es"] = "Nuevo título"
		putTest(t, s, stale)
		if c, _ := s.Consultation(ctx, "old"); c.Anonymised.IsZero() {
			t.Error("storing a copy read before Anonymise cleared Anonymised")
		}
	})

	s.Close()
	s = openAt(t, path, clk)
	t.Run("after a restart", func(t *testing.T) { check(t, s) })

	for _, tt := range []struct {
		slug, code string
	}{{"live", consultations.EINVALID}, {"nope", consultations.ENOTFOUND}} {
		if _, err := s.Anonymise(ctx, tt.slug); consultations.ErrorCode(err) != tt.code {
			t.Errorf("Anonymise(%s): %v, want %s", tt.slug, err, tt.code)
		}
	}
	if r, err := s.Response(ctx, "live", pseudonyms[0]); err != nil || r == nil {
		t.Errorf("Response(live, first) after refusing = %v; want it linked still", err)
	}
}
