package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// syncBuffer is a bytes.Buffer the bot's goroutines may log into at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// faultyStore fails commits and consultation writes on demand, as a full
// disk would.
type faultyStore struct {
	consultations.Store
	fail atomic.Bool
}

var errDiskFull = errors.New("write parlabot.db: no space left on device")

func (s *faultyStore) Commit(ctx context.Context, ch consultations.Change) error {
	if s.fail.Load() {
		return errDiskFull
	}
	return s.Store.Commit(ctx, ch)
}

func (s *faultyStore) PutConsultation(ctx context.Context, c *consultations.Consultation) error {
	if s.fail.Load() {
		return errDiskFull
	}
	return s.Store.PutConsultation(ctx, c)
}

// A citizen with a distinctive name, username and answers goes through a
// consultation, with Telegram refusing replies, the database failing, a
// clerk importing a file and granting a role, and a flood: nothing they
// wrote, nor their names, nor the file's name, nor the bot's token reaches
// the log at info level or above.
func TestLogsKeepPeopleOut(t *testing.T) {
	h := newHarnessWithAdmins(t, 8100)
	var logs syncBuffer
	faulty := &faultyStore{}
	h.configure = func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		faulty.Store = c.Store
		c.Store = faulty
		c.RateLimit = 0
	}
	h.restartWhenUp()

	// Telegram shows the bot the citizen's names in every update.
	id, err := h.srv.PushRaw([]byte(`{"message":{"message_id":1,"date":1765378800,"chat":{"id":8101,"type":"private","first_name":"Zebrina","last_name":"Zebrovska","username":"zebra_user"},"from":{"id":8101,"is_bot":false,"first_name":"Zebrina","last_name":"Zebrovska","username":"zebra_user","language_code":"es"},"text":"/start livestream-2026 ZEBRA-SECRET-TEXT"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitConfirmed(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	ana := h.citizen(8101, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "4 🙂", "9", "Sitio web del Congreso", "Confirmar", "Sur")
	ana.send("ZEBRA-SECRET-TEXT " + strings.Repeat("zebra ", 200)) // too long
	ana.sees("el máximo es")

	h.srv.Fail("sendMessage", 1, 400, 0) // a reply Telegram refuses
	ana.send("/help ZEBRA-SECRET-TEXT")
	h.srv.Fail("editMessageText", 1, 500, 0) // a failure, retried
	ana.tap("← Atrás")
	ana.burst(25, "/help ZEBRA-SECRET-TEXT") // a flood
	h.clock.Set(h.clock.Now().Add(time.Minute))
	faulty.fail.Store(true) // the disk is full: the update is not confirmed until it works again
	lost := ana.Send("ZEBRA-SECRET-TEXT")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(ana.Last().Plain, "tuvimos un problema de nuestro lado"); {
		if time.Now().After(deadline) {
			t.Fatalf("last message %q, want the apology", ana.Last().Plain)
		}
		time.Sleep(10 * time.Millisecond)
	}
	faulty.fail.Store(false)
	if err := h.srv.WaitConfirmed(ana.ctx(), lost); err != nil {
		t.Fatal(err)
	}

	boss := h.citizen(8100, "es")
	boss.send("/grant @zebra_user clerk")
	file, err := os.ReadFile("testdata/livestream-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	boss.sendFile("ZEBRA-FILE.yaml", file) // the database fails
	faulty.fail.Store(false)
	boss.sendFile("ZEBRA-FILE-2.yaml", []byte("slug: zebra_user\n")) // refused: a bad file
	h.srv.Fail("getFile", 1, 400, 0)
	boss.sendFile("ZEBRA-FILE-3.yaml", []byte("slug: x\n")) // not downloaded

	// Telegram goes away: the intake's errors carry URLs with the token.
	h.srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "get updates failed") {
		if time.Now().After(deadline) {
			t.Fatal("the bot never logged the failed getUpdates")
		}
		time.Sleep(5 * time.Millisecond)
	}

	out := logs.String()
	for _, want := range []string{`"level":"ERROR"`, "send message", "database failed while handling an update", "over the rate limit", "get updates failed", "<token>"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q: the test did not go down that path\n%s", want, out)
		}
	}
	for _, secret := range []string{"ZEBRA", "zebra", "Zebrina", "Zebrovska", h.srv.Token(), "TEST"} {
		if strings.Contains(out, secret) {
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, secret) {
					t.Errorf("%q is in the log: %s", secret, line)
				}
			}
		}
	}
}

// The token is scrubbed wherever it hides in a record.
func TestRedactToken(t *testing.T) {
	const token = "987654:SECRET-abc"
	var buf bytes.Buffer
	log := slog.New(redactToken(slog.NewJSONHandler(&buf, nil), token))
	err := errors.New(`Post "https://api.telegram.org/bot987654:SECRET-abc/sendMessage": timeout`)
	log.With("url", "https://api.telegram.org/bot"+token).WithGroup("g").Warn("call "+token+" failed",
		"err", err, "n", 3, slog.Group("inner", "err", err))
	out := buf.String()
	if strings.Contains(out, "SECRET") {
		t.Errorf("the token is in the log: %s", out)
	}
	if got := strings.Count(out, "<token>"); got != 4 {
		t.Errorf("%d tokens scrubbed, want 4: %s", got, out)
	}
	if !strings.Contains(out, `"n":3`) {
		t.Errorf("other attributes changed: %s", out)
	}
}
