package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// Ana is forgotten in these tests; Bruno stays.
const (
	ana, bruno           = int64(101), int64(202)
	anaPseudo, brunoPseu = "p-ana-9c1e", "p-bruno-77aa"
)

// rightsFixture is a store where Ana answered alpha (completed, satisfied)
// and beta (in progress, where her session is), subscribed, with a
// username, pending in one broadcast and sent another; Bruno answered
// alpha and is pending in the same broadcast. Both consultations' tallies
// are built, so that Forget must keep them in step.
type rightsFixture struct {
	s           *Store
	path        string
	clk         *clock
	alpha, beta *consultations.Consultation
	pending     uint64 // broadcast with both pending
	sent        uint64 // broadcast where Ana's delivery was sent
	bruno       *consultations.Response
}

func newRightsFixture(t *testing.T) *rightsFixture {
	t.Helper()
	ctx := context.Background()
	f := &rightsFixture{path: filepath.Join(t.TempDir(), "parlabot.db"), clk: newClock()}
	f.s = openAt(t, f.path, f.clk)
	f.alpha, f.beta = testConsultation("alpha"), testConsultation("beta")
	putTest(t, f.s, f.alpha)
	putTest(t, f.s, f.beta)

	anaCitizen := testCitizen(ana)
	anaCitizen.Session.Consultation = "beta"
	anaCitizen.Username, anaCitizen.Subscribed, anaCitizen.SubscribeAsked = "Ana_Forget", true, true
	commitTest(t, f.s, consultations.Change{Citizen: anaCitizen, Response: satisfied("alpha", anaPseudo, 5, true)})
	commitTest(t, f.s, consultations.Change{Response: satisfied("beta", anaPseudo, 4, false)})
	commitTest(t, f.s, consultations.Change{Citizen: &consultations.Citizen{UserID: bruno, ChatID: bruno, Language: "es",
		Username: "bruno", Subscribed: true, SubscribeAsked: true, Created: t0}})
	f.bruno = satisfied("alpha", brunoPseu, 2, true)
	commitTest(t, f.s, consultations.Change{Response: f.bruno})

	both := &consultations.Broadcast{Consultation: "alpha", State: consultations.BroadcastSending}
	if err := f.s.CreateBroadcast(ctx, both, []consultations.Delivery{{UserID: ana, ChatID: ana}, {UserID: bruno, ChatID: bruno}}); err != nil {
		t.Fatal(err)
	}
	sent := &consultations.Broadcast{Consultation: "beta", State: consultations.BroadcastDone}
	if err := f.s.CreateBroadcast(ctx, sent, []consultations.Delivery{{UserID: ana, ChatID: ana}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordDelivery(ctx, consultations.Delivery{Broadcast: sent.ID, UserID: ana, ChatID: ana, State: consultations.DeliverySent, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	f.pending, f.sent = both.ID, sent.ID
	for _, slug := range []string{"alpha", "beta"} {
		if _, err := f.s.Tally(ctx, slug); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// satisfied is a response answering satisfaction with n.
func satisfied(slug, participant string, n int, completed bool) *consultations.Response {
	r := &consultations.Response{Consultation: slug, Participant: participant, Language: "es", Started: t0,
		Answers: map[string]consultations.Answer{"channel": {Choices: []string{"yt"}}, "satisfaction": {Number: n}}}
	if completed {
		r.Completed = t0.Add(time.Minute)
	}
	return r
}

// participantsOf lists the participants of a consultation's responses, in
// EachResponse's order.
func participantsOf(t *testing.T, s *Store, slug string) []string {
	t.Helper()
	var out []string
	if err := s.EachResponse(context.Background(), slug, func(r *consultations.Response) error {
		out = append(out, r.Participant)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// tallyJSON is the report of the consultation's running tally.
func tallyJSON(t *testing.T, s *Store, c *consultations.Consultation) string {
	t.Helper()
	tl, err := s.Tally(context.Background(), c.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return reportJSON(t, c, tl)
}

// tallyOf is the report of a tally of exactly the responses rs.
func tallyOf(t *testing.T, c *consultations.Consultation, rs ...*consultations.Response) string {
	t.Helper()
	tl := consultations.NewTally(c)
	for _, r := range rs {
		tl.Add(r, +1)
	}
	return reportJSON(t, c, tl)
}

// keysEqualTo lists where, in the whole file, a key equals key: bucket
// paths, nested buckets included.
func keysEqualTo(t *testing.T, s *Store, key []byte) []string {
	t.Helper()
	var found []string
	var walk func(path string, b *bbolt.Bucket) error
	walk = func(path string, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if bytes.Equal(k, key) {
				found = append(found, path)
			}
			if v == nil {
				return walk(path+"/"+string(k), b.Bucket(k))
			}
			return nil
		})
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return walk(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// containing lists the bucket paths where a key or value contains needle.
func containing(t *testing.T, s *Store, needle []byte) []string {
	t.Helper()
	var found []string
	var walk func(path string, b *bbolt.Bucket) error
	walk = func(path string, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if bytes.Contains(k, needle) || bytes.Contains(v, needle) {
				found = append(found, fmt.Sprintf("%s/%x", path, k))
			}
			if v == nil {
				return walk(path+"/"+string(k), b.Bucket(k))
			}
			return nil
		})
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return walk(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestResponsesOf(t *testing.T) {
	f := newRightsFixture(t)
	ctx := context.Background()
	tests := []struct {
		participant string
		want        []string // consultations, in order
	}{
		{anaPseudo, []string{"alpha", "beta"}},
		{brunoPseu, []string{"alpha"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		got, err := f.s.ResponsesOf(ctx, tt.participant)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, r := range got {
			if r.Participant != tt.participant {
				t.Errorf("ResponsesOf(%s) gave a response of %s", tt.participant, r.Participant)
			}
			slugs = append(slugs, r.Consultation)
		}
		if !slices.Equal(slugs, tt.want) {
			t.Errorf("ResponsesOf(%s) = %v, want %v", tt.participant, slugs, tt.want)
		}
	}
}

func TestForget(t *testing.T) {
	f := newRightsFixture(t)
	ctx := context.Background()
	anaSession := sessionSeq(t, f.s, ana)

	got, err := f.s.Forget(ctx, ana, anaPseudo)
	if err != nil {
		t.Fatalf("Forget: %v", err)
	}
	if want := (consultations.Forgotten{Responses: 2, Citizen: true, Deliveries: 2}); got != want {
		t.Errorf("Forget = %+v, want %+v", got, want)
	}

	check := func(t *testing.T, s *Store) {
		t.Helper()
		if _, err := s.Citizen(ctx, ana); consultations.ErrorCode(err) != consultations.ENOTFOUND {
			t.Errorf("Citizen(ana): %v, want ENOTFOUND", err)
		}
		if c, err := s.Citizen(ctx, bruno); err != nil || !c.Subscribed {
			t.Errorf("Citizen(bruno) = %+v, %v; want him as he was", c, err)
		}
		for _, slug := range []string{"alpha", "beta"} {
			if _, err := s.Response(ctx, slug, anaPseudo); consultations.ErrorCode(err) != consultations.ENOTFOUND {
				t.Errorf("Response(%s, ana): %v, want ENOTFOUND", slug, err)
			}
		}
		if rs, _ := s.ResponsesOf(ctx, anaPseudo); len(rs) != 0 {
			t.Errorf("ResponsesOf(ana) = %d responses, want none", len(rs))
		}
		if got, want := participantsOf(t, s, "alpha"), []string{brunoPseu}; !slices.Equal(got, want) {
			t.Errorf("alpha's responses are from %v, want %v", got, want)
		}
		if got := participantsOf(t, s, "beta"); len(got) != 0 {
			t.Errorf("beta's responses are from %v, want none", got)
		}
		if n, _ := s.CountCompleted(ctx, "alpha"); n != 1 {
			t.Errorf("alpha completed = %d, want 1 (Bruno)", n)
		}
		if g, w := tallyJSON(t, s, f.alpha), tallyOf(t, f.alpha, f.bruno); g != w {
			t.Errorf("alpha's tally:\n%s\nwant Bruno's alone:\n%s", g, w)
		}
		if g, w := tallyJSON(t, s, f.beta), tallyOf(t, f.beta); g != w {
			t.Errorf("beta's tally:\n%s\nwant empty:\n%s", g, w)
		}
		if got, want := subscriberIDs(t, s), []int64{bruno}; !slices.Equal(got, want) {
			t.Errorf("subscribers = %v, want %v", got, want)
		}
		if _, err := s.CitizenByUsername(ctx, "ana_forget"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
			t.Errorf("CitizenByUsername(ana_forget): %v, want ENOTFOUND", err)
		}
		if got, want := pendingIDs(t, s, f.pending, 10), []int64{bruno}; !slices.Equal(got, want) {
			t.Errorf("pending = %v, want %v", got, want)
		}
		if bc := getBroadcastTest(t, s, f.pending); bc.Skipped != 1 || bc.Pending() != 1 {
			t.Errorf("broadcast = %+v, want Ana's delivery counted as skipped and Bruno's pending", bc)
		}
		if bc := getBroadcastTest(t, s, f.sent); bc.Sent != 1 || bc.Total != 1 {
			t.Errorf("sent broadcast = %+v, want its counters kept", bc)
		}
		if where := keysEqualTo(t, s, userKey(ana)); len(where) != 0 {
			t.Errorf("Ana's user id is still a key in %v", where)
		}
		if where := keysEqualTo(t, s, u64(anaSession)); slices.Contains(where, "sessions") {
			t.Errorf("Ana's session %d is still stored", anaSession)
		}
		if where := containing(t, s, []byte(anaPseudo)); len(where) != 0 {
			t.Errorf("Ana's pseudonym is still in %v", where)
		}
		if where := containing(t, s, []byte("ana_forget")); len(where) != 0 {
			t.Errorf("Ana's username is still in %v", where)
		}
	}
	t.Run("at once", func(t *testing.T) { check(t, f.s) })

	// Tallies rebuilt from the file after a restart agree.
	f.s.Close()
	s := openAt(t, f.path, f.clk)
	t.Run("after a restart", func(t *testing.T) { check(t, s) })

	again, err := s.Forget(ctx, ana, anaPseudo)
	if err != nil || again != (consultations.Forgotten{}) {
		t.Errorf("Forget again = %+v, %v; want nothing deleted and no error", again, err)
	}
}

// Forget is one transaction: when it fails half-way (here on a damaged
// response, after the citizen's record and one response were deleted in
// it), nothing at all is deleted.
func TestForgetFailingHalfWayDeletesNothing(t *testing.T) {
	f := newRightsFixture(t)
	ctx := context.Background()
	alphaBefore, betaBefore := tallyJSON(t, f.s, f.alpha), tallyJSON(t, f.s, f.beta)
	err := f.s.db.Update(func(tx *bbolt.Tx) error {
		key := tx.Bucket(participantsBucket).Bucket([]byte("beta")).Get([]byte(anaPseudo))
		return tx.Bucket(responsesBucket).Bucket([]byte("beta")).Put(key, []byte("{damaged"))
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := f.s.Forget(ctx, ana, anaPseudo); err == nil {
		t.Fatal("Forget succeeded with a damaged response, want an error")
	}
	if c, err := f.s.Citizen(ctx, ana); err != nil || c.Session == nil || c.Username != "Ana_Forget" {
		t.Errorf("Citizen(ana) = %+v, %v; want her record and session kept", c, err)
	}
	if r, err := f.s.Response(ctx, "alpha", anaPseudo); err != nil || r.Answers["satisfaction"].Number != 5 {
		t.Errorf("Response(alpha, ana) = %+v, %v; want it kept", r, err)
	}
	if got, want := participantsOf(t, f.s, "alpha"), []string{anaPseudo, brunoPseu}; !slices.Equal(got, want) {
		t.Errorf("alpha's responses are from %v, want %v", got, want)
	}
	if n, _ := f.s.CountCompleted(ctx, "alpha"); n != 2 {
		t.Errorf("alpha completed = %d, want 2", n)
	}
	if got := tallyJSON(t, f.s, f.alpha); got != alphaBefore {
		t.Errorf("alpha's tally changed:\n%s\nwant\n%s", got, alphaBefore)
	}
	if got := tallyJSON(t, f.s, f.beta); got != betaBefore {
		t.Errorf("beta's tally changed:\n%s\nwant\n%s", got, betaBefore)
	}
	if got, want := subscriberIDs(t, f.s), []int64{ana, bruno}; !slices.Equal(got, want) {
		t.Errorf("subscribers = %v, want %v", got, want)
	}
	if c, err := f.s.CitizenByUsername(ctx, "ana_forget"); err != nil || c.UserID != ana {
		t.Errorf("CitizenByUsername(ana_forget) = %+v, %v; want Ana", c, err)
	}
	if got, want := pendingIDs(t, f.s, f.pending, 10), []int64{ana, bruno}; !slices.Equal(got, want) {
		t.Errorf("pending = %v, want %v", got, want)
	}
	if bc := getBroadcastTest(t, f.s, f.pending); bc.Skipped != 0 {
		t.Errorf("broadcast = %+v, want nothing skipped", bc)
	}
}

func TestForgetNeedsWhom(t *testing.T) {
	s, _ := openTest(t)
	for _, tt := range []struct {
		name        string
		userID      int64
		participant string
	}{{"no user id", 0, "p"}, {"no participant", 1, ""}} {
		_, err := s.Forget(context.Background(), tt.userID, tt.participant)
		if consultations.ErrorCode(err) != consultations.EINVALID {
			t.Errorf("%s: Forget: %v, want EINVALID", tt.name, err)
		}
	}
}
