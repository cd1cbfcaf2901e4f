package boltstore

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore/boltstoretest"
	"github.com/parlabot/parlabot/consultations/demo"
)

// millionResponses is how many responses the fixture holds.
const millionResponses = boltstoretest.MillionResponses

// benchEpoch is when the first fixture response starts.
var benchEpoch = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// referenceConsultation is the reference consultation, parsed.
func referenceConsultation(tb testing.TB) *consultations.Consultation {
	tb.Helper()
	f, err := consultations.ParseFile(demo.Reference)
	if err != nil {
		tb.Fatalf("parse the reference consultation: %v", err)
	}
	return f.Consultation
}

// millionStore returns the path of the database file with a million
// responses to the reference consultation that the 1M benchmarks share,
// here and in other packages (cmd/parlabot's BenchmarkExport1M). It is
// generated the first time (about 50 s and 770 MB, logged) and kept at
// boltstoretest.MillionPath, so later runs skip that; change
// boltstoretest.MillionFixture's version whenever the generated responses
// change, or delete the file to generate it again. Opening it rewrites
// only bbolt's meta page, so runs may share it. Two processes generating
// it at once each write a file of their own and rename it into place.
func millionStore(b *testing.B) string {
	b.Helper()
	if testing.Short() {
		b.Skip("a million responses: not in -short mode")
	}
	path := boltstoretest.MillionPath()
	if _, err := os.Stat(path); err == nil {
		return path
	} else if !errors.Is(err, fs.ErrNotExist) {
		b.Fatal(err)
	}
	start := time.Now()
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		b.Fatal(err)
	}
	tmp := f.Name()
	f.Close()
	if err := writeMillionStore(tmp, referenceConsultation(b)); err != nil {
		os.Remove(tmp)
		b.Fatalf("generate %s: %v", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		b.Fatal(err)
	}
	b.Logf("generated %s (%d responses) in %v", path, millionResponses, time.Since(start).Round(time.Millisecond))
	return path
}

// writeMillionStore writes the reference consultation and a million
// responses to a new database at path, in a few big transactions through
// putResponse, as commits would have left them.
func writeMillionStore(path string, c *consultations.Consultation) error {
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.PutConsultation(context.Background(), c); err != nil {
		return err
	}
	key := []byte("parlabot benchmark pseudonym key")
	rng := rand.New(rand.NewPCG(2026, 7))
	slug := []byte(c.Slug)
	const perTx = 100_000
	for first := 0; first < millionResponses; first += perTx {
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i := first; i < first+perTx && i < millionResponses; i++ {
				r := benchResponse(rng, key, c.Slug, i)
				v, err := encodeResponse(r)
				if err != nil {
					return err
				}
				var prev []byte
				if err := putResponse(tx, slug, []byte(r.Participant), v, r.IsCompleted(), &prev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.db.Sync()
}

// Comments of the fixture, in the languages citizens mostly answer in.
var benchComments = map[string][]string{
	"es": {
		"Mejorar el audio de las sesiones de comisión",
		"La transmisión se corta mucho, mejorar la conexión",
		"Subtítulos y lengua de señas en todas las sesiones",
		"Publicar el calendario de las sesiones con anticipación",
		"Que se puedan ver las sesiones después, con índice por tema",
	},
	"pt": {
		"Melhorar o som das transmissões ao vivo",
		"Legendas nas sessões de comissão, por favor",
		"Publicar a agenda das sessões com antecedência",
	},
}

// benchResponse is the ith fixture response: started a few seconds after
// the one before; seven in ten watched, and then rate their satisfaction;
// one or two channels; a region; three in ten leave a comment; and one in
// seven is unfinished. Completed ones take from half a minute to about
// twenty minutes, most of them a few minutes, so the median is meaningful.
func benchResponse(rng *rand.Rand, key []byte, slug string, i int) *consultations.Response {
	lang := "es"
	if rng.IntN(4) == 0 {
		lang = "pt"
	}
	started := benchEpoch.Add(time.Duration(i)*3*time.Second + time.Duration(rng.IntN(1e9)))
	r := &consultations.Response{
		Consultation: slug,
		Participant:  consultations.Pseudonym(key, int64(100_000_000+i)),
		Language:     lang,
		Started:      started,
		Answers:      map[string]consultations.Answer{},
	}
	steps := 6
	complete := rng.IntN(7) > 0
	if !complete {
		steps = rng.IntN(6)
	}
	step := func() bool { steps--; return steps >= 0 }
	watched := rng.IntN(10) < 7
	if step() {
		r.Answers["watched"] = consultations.Answer{Choices: []string{map[bool]string{true: "yes", false: "no"}[watched]}}
	}
	if watched && step() {
		r.Answers["satisfaction"] = consultations.Answer{Number: 1 + rng.IntN(5)}
	}
	if step() {
		r.Answers["recommend"] = consultations.Answer{Number: rng.IntN(11)}
	}
	if step() {
		channels := []string{"website", "tv", "social", "radio"}
		a := rng.IntN(len(channels))
		choices := []string{channels[a]}
		if b := rng.IntN(len(channels)); b != a && rng.IntN(2) == 0 {
			choices = append(choices, channels[b])
		}
		r.Answers["channels"] = consultations.Answer{Choices: choices}
	}
	if step() {
		regions := []string{"north", "centre", "metro", "metro", "metro", "south"}
		r.Answers["region"] = consultations.Answer{Choices: []string{regions[rng.IntN(len(regions))]}}
	}
	if step() && rng.IntN(10) < 3 {
		texts := benchComments[lang]
		r.Answers["comment"] = consultations.Answer{Text: texts[rng.IntN(len(texts))]}
	}
	// Seconds per answer: mostly 10 to 60, now and then several minutes.
	elapsed := time.Duration(0)
	for range r.Answers {
		secs := 10 + rng.IntN(50)
		if rng.IntN(20) == 0 {
			secs += rng.IntN(600)
		}
		elapsed += time.Duration(secs)*time.Second + time.Duration(rng.IntN(1e9))
	}
	r.Updated = started.Add(elapsed)
	if complete {
		r.Completed = r.Updated
	}
	return r
}

// BenchmarkTallyRecompute1M is a full recomputation of a consultation's
// tally from a million stored responses: the first Store.Tally after Open.
// Each iteration opens the store again, untimed, so no tally is kept in
// memory; the file is in the page cache after the first run. Run it with
//
//	go test ./consultations/boltstore/ -run '^$' -bench 'Tally.*1M|Report1M' -benchtime 1x
func BenchmarkTallyRecompute1M(b *testing.B) {
	path := millionStore(b)
	ctx := context.Background()
	var tl *consultations.Tally
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		tl, err = s.Tally(ctx, demo.Slug)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/recompute")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/millionResponses, "ns/response")
	checkMillionTally(b, tl)
}

// BenchmarkReport1M is a report on a consultation with a million responses
// as the bot makes one: a snapshot of the running tally and a report built
// from it.
func BenchmarkReport1M(b *testing.B) {
	path := millionStore(b)
	ctx := context.Background()
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := s.Consultation(ctx, demo.Slug)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Tally(ctx, demo.Slug); err != nil { // built once, as the bot would have
		b.Fatal(err)
	}
	now := benchEpoch.Add(60 * 24 * time.Hour)
	var rep *consultations.Report
	b.ResetTimer()
	for range b.N {
		tl, err := s.Tally(ctx, demo.Slug)
		if err != nil {
			b.Fatal(err)
		}
		rep = consultations.BuildReport(c, tl, nil, now)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/report")
	if got := rep.Participation.Funnel.Started; got != millionResponses {
		b.Fatalf("report counts %d responses started, want %d", got, millionResponses)
	}
}

// checkMillionTally fails the benchmark unless the tally counts every
// fixture response.
func checkMillionTally(b *testing.B, tl *consultations.Tally) {
	b.Helper()
	rep := consultations.BuildReport(tl.Consultation(), tl, nil, benchEpoch)
	if got := rep.Participation.Funnel.Started; got != millionResponses {
		b.Fatalf("tally counts %d responses started, want %d", got, millionResponses)
	}
}
