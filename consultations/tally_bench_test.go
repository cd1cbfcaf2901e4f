package consultations

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// regionWeights are how likely each region of the reference consultation
// (north, centre, metro, south) is, relative to the others.
type regionWeights [4]int

var sampleComments = []struct{ lang, text string }{
	{"es", "Mejorar el audio de las sesiones de comisión"},
	{"es", "La transmisión se corta mucho, mejorar la conexión"},
	{"es", "Subtítulos y lengua de señas en todas las sesiones"},
	{"es", "Publicar el calendario de las sesiones con anticipación"},
	{"pt", "Melhorar o som das transmissões ao vivo"},
	{"pt", "Legendas nas sessões de comissão, por favor"},
	{"en", "Better audio and captions for committee sessions"},
	{"en", "Post the schedule of sessions earlier"},
}

// randomReply is a plausible response to the reference consultation: it
// follows the skip logic, gives only valid answers, and is unfinished one
// time in five, having answered some of the questions.
func randomReply(rng *rand.Rand, i int, regions regionWeights) *Response {
	langs := []string{"es", "es", "es", "pt", "pt", "en", "fr", ""}
	r := &Response{
		Consultation: "livestream-2026",
		Participant:  strconv.Itoa(i),
		Language:     langs[rng.IntN(len(langs))],
		Started:      tallyEpoch.Add(time.Duration(i) * time.Second),
		Answers:      map[string]Answer{},
	}
	complete := rng.IntN(5) > 0
	steps := 6
	if !complete {
		steps = rng.IntN(6)
	}
	watched := rng.IntN(10) < 4
	step := func() bool { steps--; return steps >= 0 }
	if step() {
		r.Answers["watched"] = Answer{Choices: []string{map[bool]string{true: "yes", false: "no"}[watched]}}
	}
	if watched && step() {
		r.Answers["satisfaction"] = Answer{Number: 1 + rng.IntN(5)}
	}
	if step() {
		r.Answers["recommend"] = Answer{Number: rng.IntN(11)}
	}
	if step() {
		channels := []string{"website", "tv", "social", "radio"}
		a := rng.IntN(4)
		choices := []string{channels[a]}
		if b := rng.IntN(4); b != a && rng.IntN(2) == 0 {
			choices = append(choices, channels[b])
		}
		r.Answers["channels"] = Answer{Choices: choices}
	}
	if step() {
		total := regions[0] + regions[1] + regions[2] + regions[3]
		x := rng.IntN(total)
		for o, w := range regions {
			if x < w {
				r.Answers["region"] = Answer{Choices: []string{[]string{"north", "centre", "metro", "south"}[o]}}
				break
			}
			x -= w
		}
	}
	if step() && rng.IntN(10) < 3 {
		sc := sampleComments[rng.IntN(len(sampleComments))]
		r.Answers["comment"] = Answer{Text: sc.text}
	}
	if complete {
		r.Completed = r.Started.Add(time.Duration(20+rng.IntN(600)) * time.Second)
	}
	return r
}

// replyPool is a pool of distinct generated responses, cycled through by
// the benchmarks so that generating them is not what is measured.
func replyPool(n int) []*Response {
	rng := rand.New(rand.NewPCG(11, 13))
	pool := make([]*Response, n)
	for i := range pool {
		pool[i] = randomReply(rng, i, regionWeights{2, 3, 8, 3})
	}
	return pool
}

// millionTally is the tally of a million responses to the reference
// consultation.
func millionTally(b *testing.B, c *Consultation, pool []*Response) *Tally {
	b.Helper()
	t := NewTally(c)
	for i := range 1_000_000 {
		t.Add(pool[i%len(pool)], +1)
	}
	return t
}

// BenchmarkTallyAdd1M is a full recomputation: a million responses added
// to a new tally. Reading them from the store is not included.
func BenchmarkTallyAdd1M(b *testing.B) {
	c := reference(b)
	pool := replyPool(1 << 14)
	var t *Tally
	for b.Loop() {
		t = millionTally(b, c, pool)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/recompute")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/response")
	if got := t.all.started; got != 1_000_000 {
		b.Fatalf("started = %d, want a million", got)
	}
}

// BenchmarkBuildReport is a report on a consultation with a million
// responses, from a clone of its tally as the store would make it.
func BenchmarkBuildReport(b *testing.B) {
	c := reference(b)
	t := millionTally(b, c, replyPool(1<<14))
	for b.Loop() {
		_ = BuildReport(c, t.Clone(), nil, tallyEpoch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/report")
}

// BenchmarkTallyUpdate is a response changing: taken back and added anew.
func BenchmarkTallyUpdate(b *testing.B) {
	c := reference(b)
	pool := replyPool(1 << 10)
	t := NewTally(c)
	for _, r := range pool {
		t.Add(r, +1)
	}
	i := 0
	for b.Loop() {
		old, next := pool[i%len(pool)], pool[(i+1)%len(pool)]
		t.Add(old, -1)
		t.Add(next, +1)
		t.Add(next, -1)
		t.Add(old, +1)
		i++
	}
}
