package boltstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testResponse is a response answering channel, topics, satisfaction and
// comment of testConsultation.
func testResponse(slug, participant string, completed bool) *consultations.Response {
	r := &consultations.Response{
		Consultation: slug,
		Participant:  participant,
		Language:     "pt",
		Started:      t0,
		Answers: map[string]consultations.Answer{
			"channel":      {Choices: []string{"yt"}},
			"topics":       {Choices: []string{"a", "b"}},
			"satisfaction": {Number: 4},
			"comment":      {Text: "Mais legendas, por favor."},
		},
		Updated: t0.Add(time.Minute),
	}
	if completed {
		r.Completed = t0.Add(time.Minute)
	}
	return r
}

// testCitizen is a citizen in the middle of a consultation.
func testCitizen(userID int64) *consultations.Citizen {
	return &consultations.Citizen{
		UserID:         userID,
		ChatID:         userID,
		Language:       "pt",
		LanguageChosen: true,
		Session: &consultations.Session{
			Consultation: "survey",
			Question:     "topics",
			Trail:        []string{"channel"},
			Selected:     []string{"a"},
			MessageID:    12,
			Started:      t0,
		},
		Created: t0,
	}
}

// commitTest commits ch, failing the test on error.
func commitTest(t *testing.T, s *Store, ch consultations.Change) {
	t.Helper()
	if err := s.Commit(context.Background(), ch); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func TestCitizenRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    *consultations.Citizen
	}{
		{"in a session", testCitizen(1001)},
		{"without session", &consultations.Citizen{UserID: 1002, ChatID: 1002, Language: "es"}},
		{"empty trail", &consultations.Citizen{UserID: 1003, Session: &consultations.Session{Consultation: "survey", Trail: []string{}}}},
		{"staff in a wizard", &consultations.Citizen{UserID: 1004, ChatID: 1004, Language: "es", Username: "clerk_ana",
			Subscribed: true, SubscribeAsked: true, Created: t0,
			Wizard: &consultations.Wizard{Kind: "new", Step: "title", Data: map[string]string{"slug": "livestream-2026"}, MessageID: 9}}},
		{"consented", &consultations.Citizen{UserID: 1005, ChatID: 1005, Language: "pt", Created: t0, Consented: t0.Add(time.Second)}},
		{"language only", &consultations.Citizen{UserID: 1006, Language: "fr", LanguageChosen: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			commitTest(t, s, consultations.Change{Citizen: tt.c})
			got, err := s.Citizen(context.Background(), tt.c.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.c) {
				t.Errorf("got %+v\nwant %+v", got, tt.c)
			}
		})
	}
}

func TestResponseRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		r    *consultations.Response
	}{
		{"completed", testResponse("survey", "p1", true)},
		{"in progress", testResponse("survey", "p2", false)},
		{"no answers yet", &consultations.Response{Consultation: "survey", Participant: "p3", Started: t0}},
		{"scale answered 0", &consultations.Response{Consultation: "survey", Participant: "p4",
			Answers: map[string]consultations.Answer{"nps": {}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			putTest(t, s, testConsultation("survey"))
			commitTest(t, s, consultations.Change{Response: tt.r})
			got, err := s.Response(context.Background(), "survey", tt.r.Participant)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.r) {
				t.Errorf("got %+v\nwant %+v", got, tt.r)
			}
			got.Language = "fr"
			for q := range got.Answers {
				got.Answers[q] = consultations.Answer{Choices: []string{"tv"}}
			}
			again, _ := s.Response(context.Background(), "survey", tt.r.Participant)
			if !reflect.DeepEqual(again, tt.r) {
				t.Errorf("changing a returned response changed the store: got %+v", again)
			}
		})
	}
}

func TestCountCompleted(t *testing.T) {
	type step struct {
		participant string
		completed   bool
		change      string // a new answer to comment, so the value differs
	}
	tests := []struct {
		name  string
		steps []step
		want  int
	}{
		{"none", nil, 0},
		{"in progress", []step{{"p1", false, ""}}, 0},
		{"completed", []step{{"p1", false, ""}, {"p1", true, ""}}, 1},
		{"completed twice", []step{{"p1", true, ""}, {"p1", true, ""}}, 1},
		{"answer changed after completing", []step{{"p1", true, ""}, {"p1", true, "otra cosa"}}, 1},
		{"reopened", []step{{"p1", true, ""}, {"p1", false, "otra cosa"}}, 0},
		{"reopened and completed again", []step{{"p1", true, ""}, {"p1", false, ""}, {"p1", true, ""}}, 1},
		{"two participants", []step{{"p1", true, ""}, {"p2", false, ""}, {"p2", true, ""}, {"p3", false, ""}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			putTest(t, s, testConsultation("survey"))
			putTest(t, s, testConsultation("other"))
			commitTest(t, s, consultations.Change{Response: testResponse("other", "p1", true)})
			for _, st := range tt.steps {
				r := testResponse("survey", st.participant, st.completed)
				if st.change != "" {
					r.Answers["comment"] = consultations.Answer{Text: st.change}
				}
				commitTest(t, s, consultations.Change{Response: r})
			}
			got, err := s.CountCompleted(context.Background(), "survey")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CountCompleted = %d, want %d", got, tt.want)
			}
			if got, _ := s.CountCompleted(context.Background(), "other"); got != 1 {
				t.Errorf("CountCompleted(other) = %d, want 1", got)
			}
		})
	}
}

func TestCommitRepeatedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	ch := consultations.Change{UpdateID: 99, Citizen: testCitizen(7), Response: testResponse("survey", "p7", true)}
	for i := 0; i < 3; i++ {
		commitTest(t, s, ch)
	}
	if n, err := s.CountCompleted(ctx, "survey"); err != nil || n != 1 {
		t.Errorf("CountCompleted = %d, %v; want 1", n, err)
	}
	var visited int
	if err := s.EachResponse(ctx, "survey", func(*consultations.Response) error { visited++; return nil }); err != nil {
		t.Fatal(err)
	}
	if visited != 1 {
		t.Errorf("responses = %d, want 1", visited)
	}
	if got, err := s.Response(ctx, "survey", "p7"); err != nil || !reflect.DeepEqual(got, ch.Response) {
		t.Errorf("Response = %+v, %v; want %+v", got, err, ch.Response)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"consultation", func() error { _, err := s.Consultation(ctx, "nope"); return err }, `consultation "nope" not found`},
		{"citizen", func() error { _, err := s.Citizen(ctx, 404); return err }, "citizen not found"},
		{"response of a stranger", func() error { _, err := s.Response(ctx, "survey", "nobody"); return err },
			`response "nobody" to consultation "survey" not found`},
		{"response to a missing consultation", func() error { _, err := s.Response(ctx, "nope", "p1"); return err },
			`response "p1" to consultation "nope" not found`},
		{"count of a missing consultation", func() error { _, err := s.CountCompleted(ctx, "nope"); return err },
			`consultation "nope" not found`},
		{"responses of a missing consultation", func() error {
			return s.EachResponse(ctx, "nope", func(*consultations.Response) error { return nil })
		}, `consultation "nope" not found`},
		{"commit to a missing consultation", func() error {
			return s.Commit(ctx, consultations.Change{UpdateID: 5, Citizen: testCitizen(5), Response: testResponse("nope", "p1", true)})
		}, `consultation "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantCode(t, err, consultations.ENOTFOUND)
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
	// The refused commit wrote nothing, not even its citizen or update.
	if _, err := s.Citizen(ctx, 5); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("citizen of a refused commit: err = %v, want ENOTFOUND", err)
	}
	if seen, _ := s.UpdateSeen(ctx, 5); seen {
		t.Error("update of a refused commit is marked seen")
	}
}

func TestCommitInvalid(t *testing.T) {
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	tests := []struct {
		name string
		ch   consultations.Change
	}{
		{"citizen without user id", consultations.Change{Citizen: &consultations.Citizen{}}},
		{"response without participant", consultations.Change{Response: &consultations.Response{Consultation: "survey"}}},
		{"response without consultation", consultations.Change{Response: &consultations.Response{Participant: "p1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.Commit(context.Background(), tt.ch), consultations.EINVALID)
		})
	}
}

func TestEachResponse(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	putTest(t, s, testConsultation("other"))
	const n, writers = 2500, 50 // more than one cancellation check
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				if err := s.Commit(ctx, consultations.Change{Response: testResponse("survey", fmt.Sprintf("p%05d", i), i%2 == 0)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	commitTest(t, s, consultations.Change{Response: testResponse("other", "x", true)})

	t.Run("visits each once", func(t *testing.T) {
		// The order is the order the responses were started, which the
		// concurrent writers leave open; TestEachResponseOrder checks it.
		visits := map[string]int{}
		err := s.EachResponse(ctx, "survey", func(r *consultations.Response) error {
			if r.Consultation != "survey" {
				t.Errorf("response to %q in survey", r.Consultation)
			}
			visits[r.Participant]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(visits) != n {
			t.Fatalf("visited %d participants, want %d", len(visits), n)
		}
		for i := range n {
			if p := fmt.Sprintf("p%05d", i); visits[p] != 1 {
				t.Fatalf("visited %s %d times, want once", p, visits[p])
			}
		}
	})
	t.Run("stops on fn error", func(t *testing.T) {
		stop := errors.New("stop")
		visited := 0
		err := s.EachResponse(ctx, "survey", func(*consultations.Response) error {
			if visited++; visited == 10 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Errorf("err = %v, want %v", err, stop)
		}
		if visited != 10 {
			t.Errorf("visited %d, want 10", visited)
		}
	})
	t.Run("stops when cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		visited := 0
		err := s.EachResponse(ctx, "survey", func(*consultations.Response) error {
			if visited++; visited == 10 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if visited >= n {
			t.Errorf("visited all %d after cancel", visited)
		}
	})
}

func TestConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	const citizens, answers = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, citizens+16)
	for c := range citizens {
		wg.Go(func() {
			userID := int64(1000 + c)
			r := testResponse("survey", fmt.Sprintf("p%d", c), false)
			r.Answers = map[string]consultations.Answer{}
			for a := range answers {
				r.Answers[fmt.Sprintf("q%d", a)] = consultations.Answer{Number: a}
				if a == answers-1 && c%2 == 0 {
					r.Completed = t0.Add(time.Hour)
				}
				ch := consultations.Change{UpdateID: userID*100 + int64(a), Citizen: testCitizen(userID), Response: r}
				if err := s.Commit(ctx, ch); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Commits that fail, mixed in: a batch holding one is rolled back and
	// run again without it, which must not count anything twice.
	for i := range 8 {
		wg.Go(func() {
			for a := range answers {
				ch := consultations.Change{Citizen: testCitizen(int64(9000 + i)), Response: testResponse("nope", fmt.Sprintf("x%d-%d", i, a), true)}
				if err := s.Commit(ctx, ch); consultations.ErrorCode(err) != consultations.ENOTFOUND {
					errs <- fmt.Errorf("commit to a missing consultation: %v, want ENOTFOUND", err)
					return
				}
			}
		})
	}
	// Readers alongside the writers.
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if _, err := s.CountCompleted(ctx, "survey"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	if got, err := s.CountCompleted(ctx, "survey"); err != nil || got != citizens/2 {
		t.Errorf("CountCompleted = %d, %v; want %d", got, err, citizens/2)
	}
	visited := 0
	err := s.EachResponse(ctx, "survey", func(r *consultations.Response) error {
		if visited++; len(r.Answers) != answers {
			t.Errorf("%s has %d answers, want %d", r.Participant, len(r.Answers), answers)
		}
		return nil
	})
	if err != nil || visited != citizens {
		t.Errorf("EachResponse visited %d, %v; want %d", visited, err, citizens)
	}
	if _, err := s.Citizen(ctx, 9000); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("citizen of failed commits: err = %v, want ENOTFOUND", err)
	}
	for _, id := range []int64{1000*100 + 0, 1063*100 + 9} {
		if seen, err := s.UpdateSeen(ctx, id); err != nil || !seen {
			t.Errorf("UpdateSeen(%d) = %v, %v; want true", id, seen, err)
		}
	}
}
