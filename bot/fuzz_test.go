package bot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/i18n"
)

// FuzzUpdates feeds the real bot, through the fake Telegram, sequences of
// updates decoded from a script: messages with any text, commands and
// entities, taps on real buttons and forged ones, documents, messages in
// groups and channels, updates delivered again, from a few citizens and an
// admin. After each sequence: no handler panicked, Telegram has every
// update confirmed, it refused none of the bot's messages as malformed,
// every stored answer is a valid answer to its question, and each citizen
// involved can still /start and answer a question.
//
// A script has one step a line: WHO KIND ARG, where WHO is 0-3 (citizens,
// new ones each run), a (an admin), g (citizen 0 writing in a group) or c
// (a channel post), and KIND is
//
//	say TEXT      a message (a command when TEXT starts with /); \n in
//	              TEXT is a line break
//	tap N         the N-th button of the latest keyboard in the chat, once
//	              the bot has taken every update before
//	cb DATA       a tap with exactly DATA on the latest message
//	cb@ID DATA    a tap with DATA on message ID (maybe deleted or never sent)
//	nv BYTES      a tap with near-valid data built from BYTES
//	ent TEXT      a message with entities drawn from TEXT's bytes
//	doc NAME      a document called NAME (its content the rest of the script)
//	again N       the N-th latest update again, with its update_id
//	other         an update of a kind the bot does not ask for
//	wait          wait until the bot has taken everything so far
//
// Anything else is a message with the whole line as its text. The seed
// corpus is in testdata/fuzz/FuzzUpdates; run it longer with
// go test ./bot -run '^$' -fuzz FuzzUpdates.
func FuzzUpdates(f *testing.F) {
	fb := newFuzzBot(f)
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		fb.run(t, script)
	})
}

// fuzzSeeds are scripts that walk the bot's main paths, for the fuzzer to
// start from.
var fuzzSeeds = []string{
	"0 say /start livestream-2026\n0 tap 0\n0 tap 0\n0 tap 3\n0 tap 9\n0 tap 0\n0 tap 4\n0 tap 0\n0 say Más cámaras & <subtítulos>\n0 tap 0",
	"1 say /start\n1 tap 0\n1 tap 0\n1 cb a:watched:1\n1 cb a:watched:1\n1 cb b:recommend\n2 cb a:watched:7\n2 cb@999 g:xxxxxxxxxxxx",
	"0 say /language\n0 tap 1\n0 say /help\n0 say /cancel\n0 say /subscribe\n0 say /stop\n0 say /results\n0 say hola",
	"g say /start\ng say hola\nc say /help\n0 other\n0 again 1\n0 again 2",
	"0 ent /start@parlabot_test_bot livestream-2026\n1 ent http://example.org <b>x</b> @someone #tag\n2 doc consulta.yaml",
	"3 nv a\x00\x01\n3 nv t\x03\x02\n3 nv k\x03\n3 nv g\x05\n3 nv X\x05\x01\n3 nv l\x07",
	"a say /consultations\na tap 0\na say /new\na tap 0\na say Mi <consulta> & más\na say /cancel\na say /export\na tap 0\na say /audit\na say /grant @citizen1 clerk",
	"a doc nueva.yaml\nslug: otra\ndefault_language: es\ncommitment: {id: c1, pillar: ethics, title: {es: Compromiso}}\ntitle: {es: Otra}\n" +
		"opens: 2026-12-01T09:00:00-03:00\nquestions:\n  - {id: q1, kind: single, text: {es: \"¿Sí o no?\"}, options: [{id: \"yes\", text: {es: Sí}}, {id: \"no\", text: {es: \"No\"}}]}\n",
	"a say /close livestream-2026\na tap 0\n0 say /start livestream-2026\n0 tap 0\na say /open livestream-2026\na tap 0\na say /publish livestream-2026",
	"0 say /start livestream-2026\n0 tap 0\nwait\n0 tap 0\n0 tap 0\n0 tap 0\n0 tap 0\n0 tap 0\n0 tap 0\n0 tap 0\n0 tap 0",
	"1 say \x00\xff\xfe<script>&amp;&bogus;\n1 say /start ../../etc\n1 say /start " + strings.Repeat("x", 100) + "\n1 cb " + strings.Repeat("a:", 40),
}

// fuzzAdmin is the admin's Telegram id in FuzzUpdates.
const fuzzAdmin = 77

// fuzzBot is one bot, database and fake Telegram, shared by the runs of a
// fuzz worker so that each run costs only its updates. Each run talks
// through new citizens; the admin and the consultations carry over.
type fuzzBot struct {
	srv   *telegramtest.Server
	store *boltstore.Store
	bot   *Bot
	clock *clock
	log   *errorLog
	key   []byte
	runs  int64
}

func newFuzzBot(f *testing.F) *fuzzBot {
	f.Helper()
	fb := &fuzzBot{
		srv:   telegramtest.New(),
		clock: &clock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)},
		log:   &errorLog{},
	}
	f.Cleanup(fb.srv.Close)
	s, err := boltstore.Open(filepath.Join(f.TempDir(), "parlabot.db"), boltstore.Options{Now: fb.clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	fb.store = s
	data, err := os.ReadFile("testdata/livestream-2026.yaml")
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err = consultations.Import(ctx, s, data, fb.clock.Now()); err != nil {
		f.Fatal(err)
	}
	if fb.key, err = s.Secret(ctx, consultations.PseudonymKey); err != nil {
		f.Fatal(err)
	}
	msgs, err := i18n.New("es")
	if err != nil {
		f.Fatal(err)
	}
	b, err := New(ctx, Config{
		Token: fb.srv.Token(), APIURL: fb.srv.URL(), Store: s, Messages: msgs,
		Logger: slog.New(fb.log), Now: fb.clock.Now, PollTimeout: time.Second, Workers: 4,
		Admins: []int64{fuzzAdmin},
	})
	if err != nil {
		f.Fatal(err)
	}
	fb.bot = b
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	f.Cleanup(func() {
		cancel()
		<-done
		s.Close()
	})
	return fb
}

// errorLog is a slog handler that keeps the errors the bot logs.
type errorLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.entries = append(l.entries, b.String())
	l.mu.Unlock()
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

// take returns the errors logged since the last take.
func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.entries
	l.entries = nil
	return out
}

// Limits that keep one run fast.
const (
	fuzzMaxSteps = 40
	fuzzMaxText  = 4096 // Telegram's limit on a message
)

// fuzzPatience is how long a run waits for the bot to take its updates
// before calling it stuck: long, for charts drawn under the race detector
// on a busy machine take seconds.
const fuzzPatience = time.Minute

// fuzzRun is one script's run: its citizens and the updates it sent.
type fuzzRun struct {
	fb       *fuzzBot
	t        *testing.T
	citizens [4]*telegramtest.User
	admin    *telegramtest.User
	involved map[*telegramtest.User]bool
	sent     []models.Update // updates that can be delivered again
}

// run plays a script and checks what it left.
func (fb *fuzzBot) run(t *testing.T, script string) {
	fb.runs++
	calls := fb.srv.CallCount("")
	r := &fuzzRun{fb: fb, t: t, admin: fb.srv.User(fuzzAdmin, "es"), involved: map[*telegramtest.User]bool{}}
	for i, lang := range []string{"es-419", "pt-BR", "en", ""} {
		r.citizens[i] = fb.srv.User(1_000_000+fb.runs*10+int64(i), lang)
	}
	t.Cleanup(func() {
		if t.Failed() {
			r.transcript()
		}
	})
	lines := strings.Split(script, "\n")
	for i := 0; i < len(lines) && i < fuzzMaxSteps; i++ {
		if r.step(lines[i], strings.Join(lines[i+1:], "\n")) {
			break
		}
	}
	r.waitIdle("the script's updates")
	r.waitExported()
	fb.checkLogs(t)
	fb.checkCalls(t, calls)
	for _, u := range r.citizens {
		if r.involved[u] {
			fb.checkResponse(t, u)
		}
	}

	// What a citizen can do next must not depend on what came before.
	// The clock moves on (so no limit on updates per minute lingers) and
	// the reference consultation is open, whatever the admin did.
	fb.clock.Set(fb.clock.Now().Add(time.Minute))
	if r.involved[r.admin] {
		r.sendWait(r.admin, "/cancel")
	}
	fb.reopenReference(t)
	calls = fb.srv.CallCount("")
	for _, u := range r.citizens {
		if r.involved[u] {
			r.canAnswer(u)
			fb.checkResponse(t, u)
		}
	}
	fb.checkLogs(t)
	fb.checkCalls(t, calls)
}

// transcript logs the chats of the run, for a failure's message.
func (r *fuzzRun) transcript() {
	for _, u := range append(r.citizens[:], r.admin) {
		if !r.involved[u] {
			continue
		}
		var b strings.Builder
		for _, m := range u.Messages() {
			who := "citizen"
			if m.FromBot {
				who = "bot"
			}
			fmt.Fprintf(&b, "\n  %s #%d: %q", who, m.ID, m.Plain)
			for _, row := range m.Keyboard {
				fmt.Fprintf(&b, " %v", row)
			}
		}
		r.t.Logf("chat with %d:%s", u.ID(), b.String())
	}
}

// sendWait sends a private message and waits until the bot has taken it.
func (r *fuzzRun) sendWait(u *telegramtest.User, text string) {
	r.t.Helper()
	r.message(u, models.ChatTypePrivate, text, nil, true)
	r.waitIdle(strconv.Quote(text))
}

func (r *fuzzRun) tapWait(u *telegramtest.User, messageID int, data string) {
	r.t.Helper()
	r.tap(u, messageID, data)
	r.waitIdle("a tap on " + data)
}

// waitExported waits until an export the script asked for has been sent,
// so that what it logs and sends counts for this run.
func (r *fuzzRun) waitExported() {
	r.t.Helper()
	deadline := time.Now().Add(fuzzPatience)
	for r.fb.bot.exports.busy.Load() {
		if time.Now().After(deadline) {
			r.t.Fatalf("an export is still running after %v", fuzzPatience)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitIdle waits until the bot has confirmed every update.
func (r *fuzzRun) waitIdle(what string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzPatience)
	defer cancel()
	if err := r.fb.srv.WaitIdle(ctx); err != nil {
		r.t.Fatalf("after %s, Telegram still holds updates the bot did not confirm: %v", what, err)
	}
}

// checkLogs fails on a handler panic (the bot recovers them and logs
// "handler panic" with the stack) and on any other error the bot logged.
func (fb *fuzzBot) checkLogs(t *testing.T) {
	t.Helper()
	for _, e := range fb.log.take() {
		if strings.Contains(e, "chat not found") {
			continue // a pointer to a private chat, sent to a group the fake Telegram doesn't have
		}
		t.Errorf("the bot logged: %s", e)
	}
}

// fuzzRefusalsOK are the refusals Telegram gives a bot that acts on a
// forged or outdated tap: the bot then edits a message that is gone, is
// unchanged, or is not text, or answers a query it cannot, or writes to a
// group it is not in. Any other refusal means the bot sent something
// malformed: HTML it didn't escape, a text too long, a bad keyboard.
var fuzzRefusalsOK = []string{
	"message is not modified", "message to edit not found", "message can't be edited",
	"message to delete not found", "there is no text in the message to edit",
	"there is no caption in the message to edit", "query is too old", "chat not found",
}

// checkCalls fails on any call after the first n that Telegram refused for
// what the bot sent.
func (fb *fuzzBot) checkCalls(t *testing.T, n int) {
	t.Helper()
	for _, c := range fb.srv.CallsSince(n) {
		if c.Code == 200 || slices.ContainsFunc(fuzzRefusalsOK, func(s string) bool { return strings.Contains(c.Error, s) }) {
			continue
		}
		t.Errorf("Telegram refused %s: %d %s\nparams: %v", c.Method, c.Code, c.Error, c.Params)
	}
}

// checkResponse fails unless every answer stored for u is a valid answer
// to a question of the reference consultation.
func (fb *fuzzBot) checkResponse(t *testing.T, u *telegramtest.User) {
	t.Helper()
	ctx := context.Background()
	c, err := fb.store.Consultation(ctx, reference)
	if err != nil {
		t.Fatal(err)
	}
	r, err := fb.store.Response(ctx, reference, consultations.Pseudonym(fb.key, u.ID()))
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range r.Answers {
		q := c.Question(id)
		if q == nil {
			t.Errorf("citizen %d: an answer to %q, which is no question", u.ID(), id)
			continue
		}
		if err := q.Check(a); err != nil {
			t.Errorf("citizen %d: stored answer %+v: %v", u.ID(), a, err)
		}
	}
	if !i18n.Supported(r.Language) {
		t.Errorf("citizen %d: response in language %q", u.ID(), r.Language)
	}
}

// reopenReference opens the reference consultation again if the admin
// closed it, so the next checks and runs can answer it.
func (fb *fuzzBot) reopenReference(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c, err := fb.store.Consultation(ctx, reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.StatusAt(fb.clock.Now()) == consultations.StatusOpen {
		return
	}
	c.Status, c.Closes = consultations.StatusOpen, time.Time{}
	if err := fb.store.PutConsultation(ctx, c); err != nil {
		t.Fatalf("reopen %s: %v", reference, err)
	}
}

// canAnswer fails unless u can /start the reference consultation and
// answer the question it shows: the answer is stored and the citizen moves
// on.
func (r *fuzzRun) canAnswer(u *telegramtest.User) {
	r.t.Helper()
	ctx := context.Background()
	r.sendWait(u, "/start "+reference)
	var s *consultations.Session
	for range 4 {
		c, err := r.fb.store.Citizen(ctx, u.ID())
		if err == nil && c.Session != nil && c.Session.Consultation == reference && c.Session.Question != "" {
			s = c.Session
			break
		}
		// The intro's Start (or a notice's Accept) comes first.
		m, b, ok := nthButton(u, 0)
		if !ok {
			r.t.Fatalf("citizen %d: after /start %s the chat shows %q and no button to go on", u.ID(), reference, u.Last().Plain)
		}
		r.tapWait(u, m.ID, b.Data)
	}
	if s == nil {
		r.t.Fatalf("citizen %d: cannot get to a question of %s; the chat shows %q", u.ID(), reference, u.Last().Plain)
	}
	c, err := r.fb.store.Consultation(ctx, reference)
	if err != nil {
		r.t.Fatal(err)
	}
	q := c.Question(s.Question)
	if q == nil {
		r.t.Fatalf("citizen %d: on question %q, which %s does not have", u.ID(), s.Question, reference)
	}
	switch q.Kind {
	case consultations.KindText:
		r.sendWait(u, "Una respuesta")
	case consultations.KindMultiple:
		if len(s.Selected) == 0 {
			r.tapWait(u, s.MessageID, encodeCallback(actToggle, q.ID, "0"))
		}
		r.tapWait(u, s.MessageID, encodeCallback(actConfirm, q.ID))
	case consultations.KindSingle:
		r.tapWait(u, s.MessageID, encodeCallback(actAnswer, q.ID, "0"))
	default:
		r.tapWait(u, s.MessageID, encodeCallback(actAnswer, q.ID, "3"))
	}
	after, err := r.fb.store.Citizen(ctx, u.ID())
	if err != nil {
		r.t.Fatal(err)
	}
	if after.Session != nil && after.Session.Question == q.ID {
		r.t.Fatalf("citizen %d: still on question %s after answering it; the chat shows %q", u.ID(), q.ID, u.Last().Plain)
	}
	resp, err := r.fb.store.Response(ctx, reference, consultations.Pseudonym(r.fb.key, u.ID()))
	if err != nil {
		r.t.Fatal(err)
	}
	if _, ok := resp.Answers[q.ID]; !ok {
		r.t.Fatalf("citizen %d: the answer to %s was not stored", u.ID(), q.ID)
	}
}
