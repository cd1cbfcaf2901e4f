package load

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

// citizenBase is where the simulated citizens' user ids start: the nth is
// citizenBase+n, and the probe that waits for the bot to be up is
// citizenBase itself.
const citizenBase = 7_000_000_000

// startTimeout is how long a bot may take to start and take its first update.
const startTimeout = 2 * time.Minute

// runner is one run: one bot over one transport.
type runner struct {
	cfg             *Config
	dir, base       string
	start           baseline
	transport, kind string

	srv   *telegramtest.Server
	boxes []chan reaction // by citizen number, 0 the probe
	acks  *acks
}

func (r *runner) name() string { return r.transport + "-" + r.kind }

func (r *runner) run(ctx context.Context) (Result, error) {
	res := Result{Transport: r.transport, Bot: r.kind}
	r.srv = telegramtest.New()
	defer r.srv.Close()
	r.srv.RecordCalls(false)
	r.boxes = make([]chan reaction, r.cfg.Citizens+1)
	for i := range r.boxes {
		r.boxes[i] = make(chan reaction, 16)
	}
	r.acks = newAcks()
	defer r.srv.Observe(r.observer())()

	var db string
	if r.kind == Parlabot {
		db = filepath.Join(r.dir, r.name()+".db")
		if err := copyFile(r.base, db); err != nil {
			return res, err
		}
	}
	bot, err := r.startBot(db)
	if err != nil {
		return res, err
	}
	defer bot.kill()
	// Citizens give up as soon as the bot dies.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	finished := make(chan struct{})
	go func() {
		select {
		case <-bot.done:
			cancel(fmt.Errorf("the bot stopped (%v); see %s", bot.err, bot.logPath))
		case <-finished:
		}
	}()

	r.cfg.progress("%s %s: starting the bot", r.transport, r.kind)
	if err := r.probe(runCtx); err != nil {
		return res, err
	}
	r.cfg.progress("%s %s: %d citizens answering", r.transport, r.kind, r.cfg.Citizens)
	t := newTally()
	stopProgress := r.showProgress(t)
	self := selfCPU()
	began := time.Now()
	if r.cfg.Rate > 0 {
		openLoop(runCtx, r.cfg.Citizens, r.cfg.Rate, r.newCitizen, t)
	} else {
		closedLoop(runCtx, r.cfg.Citizens, r.cfg.Concurrency, r.cfg.Think, r.newCitizen, t)
	}
	elapsed := time.Since(began)
	res.GeneratorCPUSeconds = (selfCPU() - self).Seconds()
	stopProgress()
	if err := context.Cause(runCtx); err != nil {
		return res, err
	}
	close(finished)

	usage, err := bot.stop(time.Minute)
	if err != nil {
		return res, err
	}
	t.fill(&res, elapsed)
	res.UserSeconds, res.SystemSeconds = usage.user.Seconds(), usage.system.Seconds()
	res.CPUSeconds = res.UserSeconds + res.SystemSeconds
	if res.Taps > 0 {
		res.CPUPerTap = 1000 * res.CPUSeconds / float64(res.Taps)
	}
	res.PeakRSSBytes, res.AnonRSSBytes, res.FileRSSBytes = usage.maxRSS, usage.anonRSS, usage.fileRSS
	if r.kind == Parlabot {
		if err := r.stored(ctx, db, &res); err != nil {
			return res, err
		}
	}
	r.cfg.progress("%s %s: %s", r.transport, r.kind, res.summary())
	return res, nil
}

// observer routes the fake's news to the citizens: the bot's messages,
// edits and answers in their chats for parlabot, confirmations of their
// updates for the null bot.
func (r *runner) observer() telegramtest.Observer {
	if r.kind == Null {
		return telegramtest.Observer{Confirmed: r.acks.confirmed}
	}
	return telegramtest.Observer{Event: func(ev telegramtest.Event) {
		if !ev.Message.FromBot && ev.Kind != telegramtest.EventCallbackAnswer {
			return // the citizen's own message
		}
		i := ev.ChatID - citizenBase
		if i < 0 || i >= int64(len(r.boxes)) {
			return
		}
		deliver(r.boxes[i], reaction{kind: ev.Kind, keyboard: len(ev.Message.Keyboard) > 0, at: time.Now()})
	}}
}

// newCitizen is the nth simulated citizen, new to the bot.
func (r *runner) newCitizen(n int) citizen {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(n)))
	u := r.srv.User(citizenBase+int64(n), languages[n%len(languages)])
	p := newPlan(rng)
	if r.kind == Null {
		return &acker{u: u, srv: r.srv, acks: r.acks, box: r.boxes[n], p: p, timeout: r.cfg.StepTimeout}
	}
	return &answerer{u: u, box: r.boxes[n], p: p, timeout: r.cfg.StepTimeout}
}

// probe waits until the bot takes updates: a citizen who is not one of
// the counted ones writes /start and waits for the bot's reaction (the
// privacy notice) or, for the null bot, its acknowledgement.
func (r *runner) probe(ctx context.Context) error {
	u := r.srv.User(citizenBase, "es")
	id := u.Send("/start")
	want := telegramtest.EventNew
	if r.kind == Null {
		want = confirmed
		r.acks.await(id, r.boxes[0])
	}
	if _, err := awaitReaction(ctx, r.boxes[0], want, startTimeout, 0); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return cause
		}
		return fmt.Errorf("the bot did not take its first update within %v", startTimeout)
	}
	return nil
}

// startBot starts the bot process for the run, its output in a log file.
func (r *runner) startBot(db string) (*child, error) {
	args := []string{"nullbot"}
	if r.kind == Parlabot {
		args = []string{"run", "--db", db, "--lang", "es",
			"--privacy-contact", "Oficina de Transparencia, privacidad@congreso.example",
			"--privacy-url", "https://congreso.example/privacidad"}
	}
	args = append(args, "--token", r.srv.Token(), "--api-url", r.srv.URL())
	if r.transport == Webhook {
		addr, err := freeAddress()
		if err != nil {
			return nil, err
		}
		args = append(args, "--webhook-url", "http://"+addr+"/telegram", "--listen", addr)
	}
	env := r.cfg.Env
	if r.cfg.ProfileDir != "" {
		env = append(env[:len(env):len(env)], "PARLABOT_CPUPROFILE="+filepath.Join(r.cfg.ProfileDir, r.name()+".cpu.pprof"))
	}
	return startChild(r.cfg.Executable, args, env, filepath.Join(r.dir, r.name()+".log"))
}

// stored counts the answers the run left in the database, and its size.
func (r *runner) stored(ctx context.Context, db string, res *Result) error {
	fi, err := os.Stat(db)
	if err != nil {
		return err
	}
	res.DBBytes = fi.Size()
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		return fmt.Errorf("open the run's database: %w", err)
	}
	defer s.Close()
	completed, answers, err := countAnswers(ctx, s)
	if err != nil {
		return err
	}
	res.StoredResponses = completed - r.start.citizens
	res.Answers = answers - r.start.answers
	res.AnswersPerSecond = float64(res.Answers) / res.Seconds
	return nil
}

// showProgress prints a line every five seconds while the run lasts.
func (r *runner) showProgress(t *tally) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		last, lastAt := 0, time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				taps, completed, failed := t.counts()
				fmt.Fprintf(r.cfg.Progress, "loadtest: %s %s: %d/%d citizens done, %.0f taps/s, %d errors\n",
					r.transport, r.kind, completed, r.cfg.Citizens, float64(taps-last)/now.Sub(lastAt).Seconds(), failed)
				last, lastAt = taps, now
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// copyFile copies the file at from to to.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
