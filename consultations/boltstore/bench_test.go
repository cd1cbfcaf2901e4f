package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// BenchmarkCommitAnswers measures durable answers per second with many
// citizens answering at once. Each op is what the bot commits for one tap:
// the citizen's session, their response with one more answer, and the
// update id. A citizen answers every question of testConsultation, then a
// new citizen starts, so the database grows as it would.
//
// User ids are either consecutive or spread like real Telegram ids
// (benchUserID). With spread ids, a commit that writes a citizen record
// dirties a page of its own; the bucket layout keeps that to the start of a
// session (here, a citizen's first answer), and every citizen's first
// answer also adds their pseudonym at a random place of the participants
// index. Besides answers/s it reports, from bbolt's TxStats, the pages
// written per answer and the time spent writing and syncing them
// (write-ns) and laying out the pages (spill-ns). The commits are a closed
// loop with no time to think between answers, so each transaction holds
// about half of the citizens while the other half wait for it.
func BenchmarkCommitAnswers(b *testing.B) {
	for _, ids := range []string{"consecutive", "spread"} {
		for _, citizens := range []int{1, 16, 256} {
			b.Run(fmt.Sprintf("ids=%s/citizens=%d", ids, citizens), func(b *testing.B) {
				benchmarkCommitAnswers(b, citizens, ids == "spread")
			})
		}
	}
}

// benchUserID is the user id of the nth citizen: consecutive from
// 1,000,001, or spread over 1e8..4.4e9 as real Telegram ids are, by a
// multiplicative hash that never gives two citizens the same id.
func benchUserID(n int64, spread bool) int64 {
	if !spread {
		return 1_000_000 + n
	}
	return 100_000_000 + int64(uint32(n)*2654435761)
}

func benchmarkCommitAnswers(b *testing.B, citizens int, spread bool) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "parlabot.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := testConsultation("survey")
	if err := s.PutConsultation(ctx, c); err != nil {
		b.Fatal(err)
	}
	key, err := s.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		b.Fatal(err)
	}

	var ops, users atomic.Int64
	var wg sync.WaitGroup
	before := s.db.Stats().TxStats
	b.ResetTimer()
	for range citizens {
		wg.Go(func() {
			var citizen *consultations.Citizen
			var r *consultations.Response
			for {
				op := ops.Add(1)
				if op > int64(b.N) {
					return
				}
				if r == nil || r.IsCompleted() {
					userID := benchUserID(users.Add(1), spread)
					now := time.Now()
					citizen = &consultations.Citizen{UserID: userID, ChatID: userID, Language: "es", Created: now,
						Session: &consultations.Session{Consultation: c.Slug, Started: now}}
					r = &consultations.Response{Consultation: c.Slug, Participant: consultations.Pseudonym(key, userID),
						Language: "es", Started: now, Answers: map[string]consultations.Answer{}}
				}
				q := c.Questions[len(r.Answers)]
				r.Answers[q.ID] = benchAnswer(q, int(op))
				r.Updated = time.Now()
				citizen.Session.Trail = append(citizen.Session.Trail, q.ID)
				if len(r.Answers) == len(c.Questions) {
					r.Completed = r.Updated
					citizen.Session = nil
				} else {
					citizen.Session.Question = c.Questions[len(r.Answers)].ID
				}
				ch := consultations.Change{UpdateID: op, Citizen: citizen, Response: r}
				if err := s.Commit(ctx, ch); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	after := s.db.Stats().TxStats
	n := float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "answers/s")
	b.ReportMetric(float64(after.GetWrite()-before.GetWrite())/n, "pages/answer")
	b.ReportMetric(float64(after.GetWriteTime()-before.GetWriteTime())/n, "write-ns/answer")
	b.ReportMetric(float64(after.GetSpillTime()-before.GetSpillTime())/n, "spill-ns/answer")
}

// benchAnswer is an answer of the question's kind.
func benchAnswer(q consultations.Question, n int) consultations.Answer {
	switch q.Kind {
	case consultations.KindSingle:
		return consultations.Answer{Choices: []string{q.Options[n%len(q.Options)].ID}}
	case consultations.KindMultiple:
		return consultations.Answer{Choices: []string{q.Options[0].ID, q.Options[1+n%(len(q.Options)-1)].ID}}
	case consultations.KindSatisfaction:
		return consultations.Answer{Number: 1 + n%5}
	case consultations.KindScale:
		return consultations.Answer{Number: n % 11}
	default:
		return consultations.Answer{Text: "Que las sesiones tengan subtítulos y se puedan ver después."}
	}
}
