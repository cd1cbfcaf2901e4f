package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
)

// fullDisk is a store whose disk fills up on demand: while full, every
// Commit fails as bbolt's does when it cannot write, and changes nothing.
// It counts the commits that went through for each update.
type fullDisk struct {
	consultations.Store

	mu      sync.Mutex
	full    bool
	refused int
	commits map[int64]int // by update id
}

func (s *fullDisk) Commit(ctx context.Context, ch consultations.Change) error {
	s.mu.Lock()
	if s.full {
		s.refused++
		s.mu.Unlock()
		return fmt.Errorf("commit: %w", &os.PathError{Op: "write", Path: "/var/lib/parlabot/parlabot.db", Err: syscall.ENOSPC})
	}
	s.mu.Unlock()
	err := s.Store.Commit(ctx, ch)
	if err == nil && ch.UpdateID != 0 {
		s.mu.Lock()
		s.commits[ch.UpdateID]++
		s.mu.Unlock()
	}
	return err
}

func (s *fullDisk) setFull(full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.full = full
}

func (s *fullDisk) refusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

func (s *fullDisk) committed(updateID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits[updateID]
}

// onFullDisk makes the bots the harness starts use a store that fills up
// on demand.
func (h *harness) onFullDisk() *fullDisk {
	disk := &fullDisk{commits: map[int64]int{}}
	prev := h.configure
	h.configure = func(cfg *Config) {
		if prev != nil {
			prev(cfg)
		}
		disk.Store = cfg.Store
		cfg.Store = disk
	}
	return disk
}

// alerts are the database alerts an admin got.
func alerts(u *telegramtest.User) []string {
	var out []string
	for _, m := range u.Messages() {
		if m.FromBot && strings.HasPrefix(m.Plain, "⚠️") {
			out = append(out, m.Plain)
		}
	}
	return out
}

// countCalls counts the calls to method whose param has the value.
func countCalls(srv *telegramtest.Server, method, param, value string) int {
	n := 0
	for _, c := range srv.Calls(method) {
		if c.Params[param] == value {
			n++
		}
	}
	return n
}

// countCodes counts the calls to method answered with code.
func countCodes(srv *telegramtest.Server, method string, code int) int {
	n := 0
	for _, c := range srv.Calls(method) {
		if c.Code == code {
			n++
		}
	}
	return n
}

// The disk fills up while a citizen answers: she is asked, once and in her
// language, to try again later; each admin is alerted in theirs, at most
// once every 10 minutes; nothing of the answer is stored meanwhile; and
// once the disk has room the answer is taken, exactly once, and she goes
// on to the end.
func TestDatabaseFullWhileAnswering(t *testing.T) {
	const frenchAdmin, spanishAdmin = 7001, 7002
	h := newHarnessWithAdmins(t, frenchAdmin, spanishAdmin)
	disk := h.onFullDisk()
	h.restart()
	boss := h.citizen(frenchAdmin, "fr")
	boss.send("/start")
	other := h.citizen(spanishAdmin, "es") // has never written to the bot
	ana := h.citizen(1001, "pt-BR")
	ana.send("/start " + reference)
	ana.tap("Começar")
	ana.sees("Pergunta 1 de 6")

	disk.setFull(true)
	id, err := ana.Tap("Sim")
	if err != nil {
		t.Fatal(err)
	}
	tryAgain := h.bot.msg.T("pt", "error_try_again", nil)
	untilTrue(t, "the citizen is asked to try again", func() bool {
		text, ok := ana.LastCallbackAnswer()
		return ok && text == tryAgain
	})
	untilTrue(t, "the update has failed three times", func() bool { return disk.refusals() >= 3 })

	// Nothing half-written: the answer, her place and the update are as
	// they were before the tap.
	ctx := context.Background()
	if r := ana.response(); len(r.Answers) != 0 {
		t.Errorf("answers stored while the disk was full: %v", r.Answers)
	}
	if c, err := h.store.Citizen(ctx, ana.ID()); err != nil || c.Session == nil || c.Session.Question != "watched" {
		t.Errorf("session after the failure = %+v, %v; want still on the first question", c, err)
	}
	if seen, _ := h.store.UpdateSeen(ctx, id); seen {
		t.Error("the failed update was recorded as handled: it would never come again")
	}
	if n := countCalls(h.srv, "answerCallbackQuery", "text", tryAgain); n != 1 {
		t.Errorf("asked to try again %d times, want once however often the update fails", n)
	}

	// One alert each, in their language, naming the cause and no citizen.
	fr, es := alerts(boss.User), alerts(other.User)
	if len(fr) != 1 || len(es) != 1 {
		t.Fatalf("alerts: %d to the French admin, %d to the Spanish one; want 1 each\n%q\n%q", len(fr), len(es), fr, es)
	}
	for _, tt := range []struct{ got, want string }{
		{fr[0], "Je n'ai pas pu enregistrer les réponses des citoyens. La base de données signale : no space left on device"},
		{fr[0], "Je ne répéterai pas cette alerte pendant 10 minutes."},
		{es[0], "No pude guardar las respuestas de los ciudadanos. La base de datos informa: no space left on device"},
	} {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("alert:\n%s\nwant it to contain %q", tt.got, tt.want)
		}
	}
	for _, leak := range []string{strconv.FormatInt(ana.ID(), 10), ana.Model().FirstName, "/var/lib"} {
		if strings.Contains(fr[0]+es[0], leak) {
			t.Errorf("the alert shows %q", leak)
		}
	}

	// Ten minutes on, a failure alerts again.
	h.clock.Set(h.clock.Now().Add(alertEvery))
	untilTrue(t, "a second alert after 10 minutes", func() bool { return len(alerts(boss.User)) == 2 })

	// Room on the disk again: the tap comes again and is taken once.
	disk.setFull(false)
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	ana.sees("Pergunta 2 de 6")
	if got := answerString(ana.response().Answers["watched"]); got != "yes" {
		t.Errorf("answer after the disk has room = %q, want yes", got)
	}
	if n := disk.committed(id); n != 1 {
		t.Errorf("the tap was committed %d times, want 1", n)
	}
	ana.tap("4 🙂", "9", "Site do Congresso", "Confirmar", "Sul")
	ana.send("Legendas, por favor")
	ana.said("Até agora, 1 pessoa respondeu.")
	if r := ana.response(); !r.IsCompleted() || len(r.Answers) != 6 {
		t.Errorf("final response = %+v", r)
	}
}

// On a webhook, an update the database could not store is answered 500;
// Telegram posts it again, and once the database works it is handled
// exactly once.
func TestWebhookDatabaseFailureAnswers500(t *testing.T) {
	h := newHarness(t)
	disk := h.onFullDisk()
	ws := h.useWebhook("")
	h.restart()
	h.waitWebhook(ws)
	ana := h.citizen(1002, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí")
	ana.sees("Pregunta 2 de 6")

	disk.setFull(true)
	id, err := ana.Tap("5 😄")
	if err != nil {
		t.Fatal(err)
	}
	untilTrue(t, "Telegram's posts of the tap are refused twice", func() bool {
		n := 0
		for _, d := range h.srv.Deliveries() {
			if d.UpdateID == id && d.Status == http.StatusInternalServerError {
				n++
			}
		}
		return n >= 2
	})
	if _, ok := ana.response().Answers["satisfaction"]; ok {
		t.Error("the answer was stored while the database failed")
	}
	// A 500's body is ignored: the apology is a call of its own.
	var apologies []telegramtest.Call
	for _, c := range h.srv.Calls("answerCallbackQuery") {
		if strings.HasPrefix(c.Params["text"], "Disculpe, tuvimos un problema") {
			apologies = append(apologies, c)
		}
	}
	if len(apologies) != 1 || apologies[0].WebhookReply {
		t.Errorf("apologies for the failed tap = %+v, want one, made as a call", apologies)
	}
	disk.setFull(false)
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	ana.sees("Pregunta 3 de 6")
	if got := answerString(ana.response().Answers["satisfaction"]); got != "5" {
		t.Errorf("satisfaction = %q, want 5", got)
	}
	if n := disk.committed(id); n != 1 {
		t.Errorf("the tap was committed %d times, want 1", n)
	}
	var last telegramtest.Delivery
	for _, d := range h.srv.Deliveries() {
		if d.UpdateID == id {
			last = d
		}
	}
	if last.Status != http.StatusOK {
		t.Errorf("last delivery of the tap = %+v, want 200", last)
	}
}

// Calls to Telegram that hang past the timeout are tried again: a message
// the bot sends, and the long poll itself.
func TestHungCallsAreRetried(t *testing.T) {
	h := newHarness(t)
	h.configure = func(cfg *Config) { cfg.CallTimeout, cfg.PollTimeout = time.Second, time.Second }
	h.restart()
	ana := h.citizen(1003, "es")

	h.srv.Hang("sendMessage", 1)
	ana.send("/help")
	ana.sees("Soy parlabot")
	var codes []int
	for _, c := range h.srv.Calls("sendMessage") {
		codes = append(codes, c.Code)
	}
	if len(codes) != 2 || codes[0] != 0 || codes[1] != http.StatusOK {
		t.Errorf("sendMessage answered %v, want a hung call then 200", codes)
	}
	if n := len(botMessages(ana.User)); n != 1 {
		t.Errorf("the citizen got %d messages, want 1", n)
	}

	h.srv.Hang("getUpdates", 1)
	untilTrue(t, "a long poll hangs", func() bool { return countCodes(h.srv, "getUpdates", 0) > 0 })
	ana.send("/cancel")
	ana.sees("no está respondiendo ninguna consulta")
}

func TestRetryableFailures(t *testing.T) {
	timeout := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot***/sendMessage", Err: context.DeadlineExceeded}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"429", &tgbot.TooManyRequestsError{Message: "too many requests", RetryAfter: 3}, true},
		{"502", errors.New("error response from telegram for method sendMessage, 502 Bad Gateway"), true},
		{"client timeout", fmt.Errorf("error do request for method sendMessage, %w", timeout), true},
		{"no response headers", fmt.Errorf("error do request for method sendMessage, %w", &url.Error{Op: "Post", Err: errors.New("net/http: timeout awaiting response headers")}), true},
		{"connection refused", &url.Error{Op: "Post", Err: syscall.ECONNREFUSED}, true},
		{"400", fmt.Errorf("%w, Bad Request: chat not found", tgbot.ErrorBadRequest), false},
		{"403", fmt.Errorf("%w, Forbidden: bot was blocked by the user", tgbot.ErrorForbidden), false},
		{"stopping", context.Canceled, false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("%s: retryable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPollBackoff(t *testing.T) {
	tests := []struct {
		name string
		prev time.Duration
		err  error
		want time.Duration
	}{
		{"first failure", 0, errors.New("connection reset"), 200 * time.Millisecond},
		{"again", 400 * time.Millisecond, errors.New("connection reset"), 800 * time.Millisecond},
		{"at most 30s", 20 * time.Second, errors.New("connection reset"), 30 * time.Second},
		{"retry_after", 400 * time.Millisecond, &apiError{Code: 429, RetryAfter: 7}, 7 * time.Second},
	}
	for _, tt := range tests {
		if got := nextBackoff(tt.prev, tt.err); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAlertThrottle(t *testing.T) {
	var f faults
	start := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {0, false}, {9 * time.Minute, false}, {10 * time.Minute, true}, {15 * time.Minute, false}, {25 * time.Minute, true},
	}
	for _, tt := range tests {
		if got := f.mayAlert(start.Add(tt.at)); got != tt.want {
			t.Errorf("alert at +%v = %v, want %v", tt.at, got, tt.want)
		}
	}
}

// When polling, an update the database can never store holds the other
// citizens back for lostPatience at most; then it is let go, its sender
// having been asked to try again.
func TestPollingLetsALostUpdateGo(t *testing.T) {
	was := lostPatience
	lostPatience = 300 * time.Millisecond
	t.Cleanup(func() { lostPatience = was }) // after the harness's stop
	h := newHarness(t)
	disk := h.onFullDisk()
	h.restart()
	ana := h.citizen(1004, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar")

	disk.setFull(true)
	id, err := ana.Tap("Sí")
	if err != nil {
		t.Fatal(err)
	}
	bob := h.citizen(1005, "es")
	bob.send("/help") // waits until the intake gets past Ana's tap
	bob.sees("Soy parlabot")
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if text, _ := ana.LastCallbackAnswer(); text != h.bot.msg.T("es", "error_try_again", nil) {
		t.Errorf("Ana's tap was answered %q, want the request to try again", text)
	}
	if r := ana.response(); len(r.Answers) != 0 {
		t.Errorf("answers stored on a full disk: %v", r.Answers)
	}
}
