package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/i18n"
)

const (
	crashCitizens = 200 // simulated citizens answering at once
	crashRounds   = 20  // times the bot is killed
)

// The real parlabot binary, killed with SIGKILL at random moments while 200
// citizens answer through the fake Telegram, and started again, 20 times
// over; then a last run lets everyone finish and stops with SIGTERM. Every
// answer the bot acknowledged (it showed the next question or the
// thank-you after it) must be in the database, with the value the citizen
// gave; each citizen has exactly one response, completed; and the counts
// the reports are made from agree with the responses.
//
// The seed, logged, draws the citizens' answers and the moments of the
// kills: PARLABOT_CRASH_SEED=N replays them.
func TestCrashLosesNoAnswerAndCountsNoneTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the real binary 20 times (about half a minute); skipped with -short")
	}
	seed := crashSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	bin := buildParlabot(t, dir)
	db, c := importOpenReference(t, dir)
	srv := telegramtest.New()
	defer srv.Close()
	msgs, err := i18n.New("es")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progress crashProgress
	codes := []string{"es-419", "pt-BR", "en-US", "fr"}
	citizens := make([]*crashCitizen, crashCitizens)
	var wg sync.WaitGroup
	for i := range citizens {
		id := int64(50001 + i)
		code := codes[i%len(codes)]
		z := &crashCitizen{
			u: srv.User(id, code), srv: srv, c: c, lang: msgs.Lang(code), msgs: msgs, progress: &progress,
			plan:  newCitizenPlan(rand.New(rand.NewPCG(seed, uint64(id))), c, id),
			acked: map[string]*consultations.Answer{}, sent: map[string][]*consultations.Answer{},
		}
		citizens[i] = z
		wg.Go(func() { z.run(ctx) })
	}

	var logs botLogs
	var kills []string
	// The kills come at random moments paced by the citizens' progress, so
	// that they fall all along the conversations, from the first question
	// to the thank-you, however fast the machine: each waits for a random
	// number of acknowledged answers (the 20 together about all of them),
	// then a random time. One in five comes while the bot starts.
	perRound := crashCitizens * len(c.Questions) / crashRounds / 2
	for range crashRounds {
		polls := srv.CallCount("getUpdates")
		p := startBot(t, bin, db, srv)
		var when string
		if rng.IntN(5) == 0 {
			d := time.Duration(rng.IntN(150)) * time.Millisecond
			time.Sleep(d)
			when = fmt.Sprintf("%v after start", d)
		} else {
			waitPolling(t, srv, polls)
			n, d := rng.IntN(2*perRound+1), time.Duration(rng.IntN(300))*time.Millisecond
			progress.wait(progress.answers.Load() + int64(n))
			at := progress.answers.Load()
			time.Sleep(d)
			when = fmt.Sprintf("%v after answer %d", d, at)
		}
		p.kill(t)
		logs.add(t, p)
		kills = append(kills, when)
	}
	t.Logf("killed the bot with SIGKILL (answers counted all citizens together): %s", strings.Join(kills, ", "))

	early := progress.finished.Load()
	polls := srv.CallCount("getUpdates")
	final := startBot(t, bin, db, srv)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		cancel()
		<-finished
	}
	// Stop the last bot once it has taken every update, the stale taps
	// included, and not before it runs: a SIGTERM while it starts is not
	// what this test is about.
	waitPolling(t, srv, polls)
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	if err := srv.WaitIdle(wctx); err != nil {
		t.Errorf("the last bot did not take every update: %v", err)
	}
	final.stop(t)
	logs.add(t, final)
	var retaps, backs, doubles, lost int
	for _, z := range citizens {
		retaps += z.retaps
		if z.backState == backDone {
			backs++
		}
		if z.plan.doubleTap {
			doubles++
		}
		if z.lostThanks {
			lost++
		}
	}
	t.Logf("%d of %d citizens finished before the last run; %d went back and changed an answer, %d double-tapped, %d tapped again after no reaction, %d lost the thank-you in a crash and sent /start",
		early, crashCitizens, backs, doubles, retaps, lost)
	logs.check(t)
	checkCrashDatabase(t, db, c, citizens)
}

// crashProgress is how far the citizens have come, all together.
type crashProgress struct {
	answers  atomic.Int64 // answers acknowledged
	finished atomic.Int64 // citizens who finished
}

// wait waits until answers have been acknowledged in all, everyone has
// finished, or 5 s have passed.
func (p *crashProgress) wait(answers int64) {
	deadline := time.Now().Add(5 * time.Second)
	for p.answers.Load() < answers && p.finished.Load() < crashCitizens && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
}

// waitPolling waits until the bot asks Telegram for updates, that is once
// there have been more getUpdates calls than polls.
func waitPolling(t *testing.T, srv *telegramtest.Server, polls int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for srv.CallCount("getUpdates") == polls {
		if time.Now().After(deadline) {
			t.Fatal("parlabot run did not ask for updates within 30 s of its start")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// crashSeed is PARLABOT_CRASH_SEED, or a new seed, logged either way.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("PARLABOT_CRASH_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("PARLABOT_CRASH_SEED=%q: %v", v, err)
		}
	}
	t.Logf("seed %d (PARLABOT_CRASH_SEED=%d replays these citizens and kill times)", seed, seed)
	return seed
}

// importOpenReference imports the reference consultation, with dates that
// make it open now, as a clerk would with parlabot import.
func importOpenReference(t *testing.T, dir string) (db string, c *consultations.Consultation) {
	t.Helper()
	data, err := os.ReadFile("testdata/livestream-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	data = regexp.MustCompile(`(?m)^opens: .*$`).ReplaceAll(data, []byte("opens: "+now.Add(-24*time.Hour).Format(time.RFC3339)))
	data = regexp.MustCompile(`(?m)^closes: .*$`).ReplaceAll(data, []byte("closes: "+now.Add(30*24*time.Hour).Format(time.RFC3339)))
	path := filepath.Join(dir, "livestream-open.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(dir, "parlabot.db")
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
	if code := m.Run(context.Background(), []string{"import", "--db", db, path}); code != 0 || !strings.Contains(out.String(), ", open (") {
		t.Fatalf("import: exit %d, stdout %q, stderr %q; want it imported open", code, out.String(), errb.String())
	}
	f, err := consultations.ParseFile(data)
	if err != nil {
		t.Fatal(err)
	}
	return db, f.Consultation
}

// botProcess is one run of parlabot run.
type botProcess struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

// startBot starts parlabot run on the database against the fake Telegram.
func startBot(t *testing.T, bin, db string, srv *telegramtest.Server) *botProcess {
	t.Helper()
	p := &botProcess{cmd: exec.Command(bin, "run", "--db", db, "--token", srv.Token(), "--api-url", srv.URL())}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLABOT_") && !strings.HasPrefix(kv, "TELEGRAM_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start parlabot run: %v", err)
	}
	return p
}

// kill kills the bot with SIGKILL, as the kernel's OOM killer or a power
// cut would, and waits until it is gone.
func (p *botProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	p.cmd.Wait()
	if st := p.cmd.ProcessState; st.Exited() {
		t.Fatalf("parlabot run exited by itself with status %d before it was killed:\n%s", st.ExitCode(), p.stderr.String())
	}
}

// stop stops the bot with SIGTERM and expects a clean exit.
func (p *botProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("parlabot run stopped with %v after SIGTERM, want exit status 0:\n%s", err, p.stderr.String())
	}
}

// botLogs gathers the error lines the bot logged across its runs.
type botLogs struct {
	errors []string
	runs   int
}

func (l *botLogs) add(t *testing.T, p *botProcess) {
	t.Helper()
	l.runs++
	sc := bufio.NewScanner(bytes.NewReader(p.stderr.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, `"level":"ERROR"`) {
			l.errors = append(l.errors, fmt.Sprintf("run %d: %s", l.runs, line))
		}
	}
}

// check fails on any error the bot logged: a crash must not make it
// stumble over its own data.
func (l *botLogs) check(t *testing.T) {
	t.Helper()
	for i, e := range l.errors {
		if i == 10 {
			t.Errorf("… and %d more", len(l.errors)-i)
			break
		}
		t.Errorf("the bot logged an error: %s", e)
	}
}

// checkCrashDatabase opens the database the bot left and checks it against
// what the citizens saw.
func checkCrashDatabase(t *testing.T, db string, c *consultations.Consultation, citizens []*crashCitizen) {
	t.Helper()
	ctx := context.Background()
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key, err := s.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	byParticipant := map[string]*crashCitizen{}
	for _, z := range citizens {
		byParticipant[consultations.Pseudonym(key, z.u.ID())] = z
	}

	failures := 0
	fail := func(z *crashCitizen, format string, args ...any) {
		t.Helper()
		failures++
		if failures > 10 {
			return
		}
		msg := fmt.Sprintf(format, args...)
		if z != nil {
			trace := z.trace[max(0, len(z.trace)-25):]
			msg = fmt.Sprintf("citizen %d: %s\nwhat the citizen did (last %d steps):\n  %s", z.u.ID(), msg, len(trace), strings.Join(trace, "\n  "))
		}
		t.Error(msg)
	}

	responses := map[string]int{}
	counts := map[string]int{} // "question=value" -> stored answers
	answered := map[string]int{}
	err = s.EachResponse(ctx, c.Slug, func(r *consultations.Response) error {
		responses[r.Participant]++
		z := byParticipant[r.Participant]
		switch {
		case z == nil:
			fail(nil, "a response from participant %s, who is none of the citizens", r.Participant)
			return nil
		case responses[r.Participant] > 1:
			return nil // counted below
		}
		checkCrashResponse(c, z, r, fail)
		for q, a := range r.Answers {
			answered[q]++
			if len(a.Choices) > 0 {
				for _, o := range a.Choices {
					counts[q+"="+o]++
				}
			} else if a.Text == "" {
				counts[q+"="+strconv.Itoa(a.Number)]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, z := range byParticipant {
		if !z.done {
			answer, _ := z.u.LastCallbackAnswer()
			var session any
			if cz, err := s.Citizen(ctx, z.u.ID()); err == nil && cz.Session != nil {
				session = *cz.Session
			}
			fail(z, "did not finish; the chat shows: %s %v\nlast answer to a tap: %q; stored session: %+v", z.u.Last().Plain, z.u.Last().Keyboard, answer, session)
		}
		if n := responses[p]; n != 1 {
			fail(z, "%d responses stored, want exactly 1", n)
		}
	}
	if failures > 10 {
		t.Errorf("… %d failures in all", failures)
	}

	// The counts reports are made from: the completed counter the bot kept
	// across the crashes, and the tally built from the responses.
	if n, err := s.CountCompleted(ctx, c.Slug); err != nil || n != crashCitizens {
		t.Errorf("CountCompleted = %d, %v; want %d", n, err, crashCitizens)
	}
	rep, err := consultations.ReportFrom(ctx, s, c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Participation; p.Started != crashCitizens || p.Completed != crashCitizens {
		t.Errorf("report: %d started, %d completed; want %d and %d", p.Started, p.Completed, crashCitizens, crashCitizens)
	}
	for _, qs := range rep.Questions {
		if qs.Summary == nil {
			continue
		}
		if qs.N != answered[qs.ID] {
			t.Errorf("report: question %s has n = %d, the responses answer it %d times", qs.ID, qs.N, answered[qs.ID])
		}
		for _, sh := range qs.Distribution {
			v := sh.Option
			if sh.Value != nil {
				v = strconv.Itoa(*sh.Value)
			}
			if want := counts[qs.ID+"="+v]; sh.Count != want {
				t.Errorf("report: %s=%s counted %d times, the responses have it %d times", qs.ID, v, sh.Count, want)
			}
		}
	}
}

// checkCrashResponse compares a citizen's stored response with what the
// citizen saw acknowledged: each acknowledged answer stored as given (the
// last one given to a question, and none to a question the later answers
// no longer lead to), and nothing the citizen never gave.
func checkCrashResponse(c *consultations.Consultation, z *crashCitizen, r *consultations.Response, fail func(*crashCitizen, string, ...any)) {
	if !r.IsCompleted() {
		fail(z, "response not completed")
	}
	want := &consultations.Response{Answers: map[string]consultations.Answer{}}
	for q, a := range z.acked {
		if a != nil {
			want.Answers[q] = *a
		}
	}
	want.Prune(c)
	for _, q := range c.Questions {
		stored, has := r.Answers[q.ID]
		got := &stored
		if !has {
			got = nil
		}
		_, acked := z.acked[q.ID]
		w, kept := want.Answers[q.ID]
		switch {
		case acked && kept && !sameAnswer(got, &w):
			fail(z, "%s was acknowledged as %s, but %s is stored", q.ID, answerText(&w), answerText(got))
		case acked && !kept && has:
			fail(z, "%s was acknowledged as skipped or no longer asked, but %s is stored", q.ID, answerText(got))
		case !acked && has && !slices.ContainsFunc(z.sent[q.ID], func(a *consultations.Answer) bool { return sameAnswer(a, got) }):
			fail(z, "%s is stored as %s, an answer the citizen never gave", q.ID, answerText(got))
		}
	}
}
