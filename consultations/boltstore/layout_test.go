package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// Tests of the bucket layout described in doc.go: sessions and responses
// under sequence numbers, citizen records written only when they change.

// rawKeys returns the keys of the bucket at path (a top-level bucket and
// the buckets nested in it), as stored.
func rawKeys(t *testing.T, s *Store, path ...[]byte) []string {
	t.Helper()
	var keys []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(path[0])
		for _, name := range path[1:] {
			b = b.Bucket(name)
		}
		if b == nil {
			return fmt.Errorf("no bucket %q", path)
		}
		return b.ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// sessionSeq returns the session sequence number stored with a citizen.
func sessionSeq(t *testing.T, s *Store, userID int64) uint64 {
	t.Helper()
	var seq uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		seq, _, err = splitCitizen(tx.Bucket(citizensBucket).Get(userKey(userID)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// bucketRoot returns the page of a top-level bucket's root. A commit that
// writes to the bucket moves it (bbolt copies on write), one that leaves the
// bucket alone does not.
func bucketRoot(t *testing.T, s *Store, name []byte) uint64 {
	t.Helper()
	var root uint64
	s.db.View(func(tx *bbolt.Tx) error {
		root = uint64(tx.Bucket(name).Root())
		return nil
	})
	return root
}

// getCitizen returns the stored citizen, failing the test on error.
func getCitizen(t *testing.T, s *Store, userID int64) *consultations.Citizen {
	t.Helper()
	c, err := s.Citizen(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSessionLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parlabot.db")
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	putTest(t, s, testConsultation("survey"))
	citizen := testCitizen(42)
	commitTest(t, s, consultations.Change{Citizen: citizen})
	first := sessionSeq(t, s, 42)
	if first == 0 {
		t.Fatal("citizen in a session stored with session 0")
	}

	// The session moves on, and survives a restart.
	citizen.Session.Question, citizen.Session.Trail = "satisfaction", []string{"channel", "topics"}
	citizen.Session.Selected = nil
	commitTest(t, s, consultations.Change{Citizen: citizen})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, clk)
	if got := getCitizen(t, s, 42); !reflect.DeepEqual(got, citizen) {
		t.Errorf("after reopen got %+v\nwant %+v", got, citizen)
	}
	if got := sessionSeq(t, s, 42); got != first {
		t.Errorf("session moved from %d to %d while in progress", first, got)
	}

	// The session ends: it is deleted, the citizen stays as they were.
	citizen.Session = nil
	commitTest(t, s, consultations.Change{Citizen: citizen})
	if got := getCitizen(t, s, 42); !reflect.DeepEqual(got, citizen) {
		t.Errorf("after the session ended got %+v\nwant %+v", got, citizen)
	}
	if got := rawKeys(t, s, sessionsBucket); len(got) != 0 {
		t.Errorf("sessions after the only one ended = %q, want none", got)
	}
	commitTest(t, s, consultations.Change{Citizen: citizen}) // again, without a session
	if got := getCitizen(t, s, 42); got.Session != nil {
		t.Errorf("session = %+v after committing none twice, want nil", got.Session)
	}

	// Another session starts: it gets a new place, after the sessions
	// started meanwhile.
	commitTest(t, s, consultations.Change{Citizen: testCitizen(43)})
	citizen.Session = &consultations.Session{Consultation: "survey", Started: t0.Add(time.Hour)}
	commitTest(t, s, consultations.Change{Citizen: citizen})
	second := sessionSeq(t, s, 42)
	if other := sessionSeq(t, s, 43); second <= other {
		t.Errorf("new session of 42 is %d, want after 43's %d", second, other)
	}
	if got := getCitizen(t, s, 42); !reflect.DeepEqual(got, citizen) {
		t.Errorf("in a new session got %+v\nwant %+v", got, citizen)
	}
	if got, want := rawKeys(t, s, sessionsBucket), []string{string(u64(sessionSeq(t, s, 43))), string(u64(second))}; !reflect.DeepEqual(got, want) {
		t.Errorf("sessions = %q, want %q", got, want)
	}
}

func TestCitizenRewrittenOnlyWhenChanged(t *testing.T) {
	s, _ := openTest(t)
	// Enough citizens that the bucket has pages of its own (a small bucket
	// is stored inline, in its parent's page).
	for id := range int64(30) {
		commitTest(t, s, consultations.Change{Citizen: testCitizen(1000 + id)})
	}
	citizen := testCitizen(1000)
	steps := []struct {
		name      string
		change    func(c *consultations.Citizen)
		rewritten bool
	}{
		{"same again", func(c *consultations.Citizen) {}, false},
		{"next question", func(c *consultations.Citizen) {
			c.Session.Question, c.Session.Trail, c.Session.Selected = "satisfaction", []string{"channel", "topics"}, nil
		}, false},
		{"new message", func(c *consultations.Citizen) { c.Session.MessageID = 13 }, false},
		{"session ended", func(c *consultations.Citizen) { c.Session = nil }, false},
		{"language chosen", func(c *consultations.Citizen) { c.Language = "es" }, true},
		{"session started", func(c *consultations.Citizen) {
			c.Session = &consultations.Session{Consultation: "survey", Started: t0.Add(time.Hour)}
		}, true},
		{"session replaced", func(c *consultations.Citizen) {
			c.Session = &consultations.Session{Consultation: "other", Started: t0.Add(2 * time.Hour)}
		}, false},
	}
	for _, st := range steps {
		sessions, citizens := bucketRoot(t, s, sessionsBucket), bucketRoot(t, s, citizensBucket)
		st.change(citizen)
		commitTest(t, s, consultations.Change{Citizen: citizen})
		if got := bucketRoot(t, s, citizensBucket) != citizens; got != st.rewritten {
			t.Errorf("%s: citizens rewritten = %v, want %v", st.name, got, st.rewritten)
		}
		if got := getCitizen(t, s, 1000); !reflect.DeepEqual(got, citizen) {
			t.Errorf("%s: got %+v\nwant %+v", st.name, got, citizen)
		}
		if st.name == "next question" && bucketRoot(t, s, sessionsBucket) == sessions {
			t.Errorf("%s: sessions not rewritten, so this test cannot see a rewrite", st.name)
		}
	}
}

func TestResponsesByParticipant(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	putTest(t, s, testConsultation("other"))
	const n, writers = 600, 30 // responses over several pages
	want := make([]*consultations.Response, n)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				r := testResponse("survey", fmt.Sprintf("participant-%d", i), i%3 == 0)
				r.Answers["satisfaction"] = consultations.Answer{Number: 1 + i%5}
				want[i] = r
				if err := s.Commit(ctx, consultations.Change{Response: r}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	commitTest(t, s, consultations.Change{Response: testResponse("other", "participant-0", false)})

	for i, r := range want {
		got, err := s.Response(ctx, "survey", r.Participant)
		if err != nil {
			t.Fatalf("Response(%s): %v", r.Participant, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("Response %d = %+v\nwant %+v", i, got, r)
		}
	}
	if got, err := s.CountCompleted(ctx, "survey"); err != nil || got != n/3 {
		t.Errorf("CountCompleted = %d, %v; want %d", got, err, n/3)
	}
	if got := len(rawKeys(t, s, participantsBucket, []byte("survey"))); got != n {
		t.Errorf("participants = %d, want %d", got, n)
	}
	_, err := s.Response(ctx, "survey", "participant-600")
	wantCode(t, err, consultations.ENOTFOUND)
	if got, err := s.Response(ctx, "other", "participant-0"); err != nil || got.IsCompleted() {
		t.Errorf("Response(other) = %+v, %v; want the one in progress", got, err)
	}
}

func TestEachResponseOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	steps := []struct {
		participant string
		completed   bool
	}{
		{"carla", false},
		{"ana", false},
		{"bruno", true},
		{"ana", true}, // answering again does not move a response
		{"carla", true},
		{"aaron", false},
	}
	for _, st := range steps {
		commitTest(t, s, consultations.Change{Response: testResponse("survey", st.participant, st.completed)})
	}
	var got []string
	err := s.EachResponse(ctx, "survey", func(r *consultations.Response) error {
		got = append(got, r.Participant)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"carla", "ana", "bruno", "aaron"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order = %q, want %q (the order they were started)", got, want)
	}
}

func TestCommitAgainAllocatesOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	ch := consultations.Change{UpdateID: 9, Citizen: testCitizen(7), Response: testResponse("survey", "p7", true)}

	// The group commit runs a write again when another write of its group
	// fails: what the first run allocated is rolled back with it.
	fn, err := s.changeWrite(ch)
	if err != nil {
		t.Fatal(err)
	}
	failure := errors.New("another citizen's write failed")
	group := []*write{
		{fn: fn, done: make(chan error, 1)},
		{fn: func(*bbolt.Tx) error { return failure }, done: make(chan error, 1)},
	}
	s.committer.commit(group)
	if err := <-group[0].done; err != nil {
		t.Fatalf("write run again: %v", err)
	}
	if err := <-group[1].done; !errors.Is(err, failure) {
		t.Fatalf("failing write: err = %v, want %v", err, failure)
	}
	// And the same change committed twice more changes nothing.
	commitTest(t, s, ch)
	commitTest(t, s, ch)

	tests := []struct {
		name string
		path [][]byte
		want []string
	}{
		{"sessions", [][]byte{sessionsBucket}, []string{string(u64(1))}},
		{"participants", [][]byte{participantsBucket, []byte("survey")}, []string{"p7"}},
		{"responses", [][]byte{responsesBucket, []byte("survey")}, []string{string(u64(1))}},
	}
	for _, tt := range tests {
		if got := rawKeys(t, s, tt.path...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := sessionSeq(t, s, 7); got != 1 {
		t.Errorf("session of the citizen = %d, want 1", got)
	}
	if got := getCitizen(t, s, 7); !reflect.DeepEqual(got, ch.Citizen) {
		t.Errorf("Citizen = %+v\nwant %+v", got, ch.Citizen)
	}
	if n, err := s.CountCompleted(ctx, "survey"); err != nil || n != 1 {
		t.Errorf("CountCompleted = %d, %v; want 1", n, err)
	}
}

func TestOpenOldLayout(t *testing.T) {
	// A file as the first boltstore wrote it: no sessions or participants
	// buckets, citizens with their session inside, responses by participant.
	oldFile := func(t *testing.T, fill func(tx *bbolt.Tx) error) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "parlabot.db")
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bbolt.Tx) error {
			for _, name := range [][]byte{consultationsBucket, responsesBucket, completedBucket, citizensBucket, updatesBucket, secretsBucket} {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
			c, err := encodeConsultation(testConsultation("survey"))
			if err != nil {
				return err
			}
			if err := tx.Bucket(consultationsBucket).Put([]byte("survey"), c); err != nil {
				return err
			}
			if _, err := tx.Bucket(responsesBucket).CreateBucket([]byte("survey")); err != nil {
				return err
			}
			return fill(tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("without citizens or responses", func(t *testing.T) {
		path := oldFile(t, func(*bbolt.Tx) error { return nil })
		s := openAt(t, path, newClock())
		r := testResponse("survey", "p1", true)
		commitTest(t, s, consultations.Change{Citizen: testCitizen(1), Response: r})
		if got, err := s.Response(context.Background(), "survey", "p1"); err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("Response = %+v, %v; want %+v", got, err, r)
		}
	})
	for _, tt := range []struct {
		name string
		fill func(tx *bbolt.Tx) error
	}{
		{"with citizens", func(tx *bbolt.Tx) error {
			return tx.Bucket(citizensBucket).Put(userKey(1), []byte(`{"user_id":1,"session":{"consultation":"survey"}}`))
		}},
		{"with responses", func(tx *bbolt.Tx) error {
			return tx.Bucket(responsesBucket).Bucket([]byte("survey")).Put([]byte("p1"), []byte(`{"consultation":"survey","participant":"p1"}`))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := oldFile(t, tt.fill)
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open of a file with the old layout succeeded, want an error")
			}
			wantCode(t, err, consultations.EINVALID)
			if !oneLineNaming(err.Error(), path) || !strings.Contains(err.Error(), "another layout") {
				t.Errorf("error = %q, want one line naming %s and saying the layout differs", err, path)
			}
		})
	}
}

// fill sets every field of the struct v points to, recursively, to a value
// that is not zero, so that a field the store forgets shows.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(t0.Add(time.Duration(i) * time.Minute)))
		case f.Kind() == reflect.String:
			f.SetString(strings.ToLower(name))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.CanInt():
			f.SetInt(int64(100 + i))
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			f.Set(reflect.New(f.Type().Elem()))
			fill(t, f.Elem())
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			f.Set(reflect.ValueOf([]string{name, "b"}).Convert(f.Type()))
		case f.Kind() == reflect.Map && f.Type().Key().Kind() == reflect.String:
			m := reflect.MakeMap(f.Type())
			for _, k := range []string{strings.ToLower(name), "k"} {
				e := reflect.New(f.Type().Elem()).Elem()
				if e.Kind() == reflect.Struct {
					fill(t, e)
				} else {
					e.SetString(k + "-value")
				}
				m.SetMapIndex(reflect.ValueOf(k).Convert(f.Type().Key()), e)
			}
			f.Set(m)
		default:
			t.Fatalf("fill: no value for field %s of type %s; teach fill one", name, f.Type())
		}
	}
}

func TestStoresEveryField(t *testing.T) {
	// A field added to consultations.Citizen, Session, Response or Answer
	// must be added to its record, its encoding and its decoding too.
	s, _ := openTest(t)
	var c consultations.Citizen
	var r consultations.Response
	fill(t, reflect.ValueOf(&c).Elem())
	fill(t, reflect.ValueOf(&r).Elem())
	putTest(t, s, testConsultation(r.Consultation))
	commitTest(t, s, consultations.Change{Citizen: &c, Response: &r})
	if got := getCitizen(t, s, c.UserID); !reflect.DeepEqual(got, &c) {
		t.Errorf("citizen:\ngot  %+v\nwant %+v", got, &c)
	}
	got, err := s.Response(context.Background(), r.Consultation, r.Participant)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &r) {
		t.Errorf("response:\ngot  %+v\nwant %+v", got, &r)
	}
}
