package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	parlabot "github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
	"github.com/parlabot/parlabot/i18n"
)

// chromium is the browser the tests drive.
const chromium = "/usr/bin/chromium"

// needBrowser skips the test when there is no browser, except in CI, where
// a missing browser is a failure.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no browser at %s (install the chromium package); skipped outside CI", chromium)
		}
		t.Fatalf("no browser at %s, which CI must have: %v", chromium, err)
	}
}

// The deployment's privacy settings the bot runs with.
const (
	privacyContact = "Oficina de Transparencia, privacidad@congreso.example"
	privacyURL     = "https://congreso.example/privacidad"
)

// startBot runs the real bot against a fake Telegram, with the reference
// consultation open and the given admins, and returns its store and the
// fake.
func startBot(t *testing.T, admins ...int64) (*boltstore.Store, *telegramtest.Server) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC) }
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "parlabot.db"), boltstore.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/livestream-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := consultations.ParseFile(data)
	if err != nil {
		t.Fatal(err)
	}
	f.Consultation.Status = consultations.StatusOpen
	if err := store.PutConsultation(context.Background(), f.Consultation); err != nil {
		t.Fatal(err)
	}
	msgs, err := i18n.New("es")
	if err != nil {
		t.Fatal(err)
	}
	srv := telegramtest.New()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := parlabot.New(ctx, parlabot.Config{
		Token: srv.Token(), APIURL: srv.URL(), Store: store, Messages: msgs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now,
		PollTimeout: 2 * time.Second, Workers: 4, Admins: admins,
		PrivacyContact: privacyContact, PrivacyURL: privacyURL,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot stopped with %v", err)
		}
		store.Close()
	})
	return store, srv
}

// browser is a headless Chromium tab that fails the test on error.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go; none when empty
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	b := &browser{t: t, ctx: ctx, dir: os.Getenv("SANDBOX_SCREENSHOTS")}
	if b.dir != "" {
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\nchat on screen:\n%s", err, b.chat())
	}
}

// run runs an action that returns a value, failing the test on error.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v\nchat on screen:\n%s", err, b.chat())
	}
	return v
}

// chat is the text of the chat on screen, for failure messages.
func (b *browser) chat() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('messages').innerText`))
	return s
}

// waitFor waits until a JavaScript condition on the page holds.
func (b *browser) waitFor(condition string) {
	b.t.Helper()
	b.do(chromedp.Poll[chromedp.Void](condition, chromedp.WithPollingTimeout(10*time.Second)))
}

// waitText waits until the chat shows text.
func (b *browser) waitText(text string) {
	b.t.Helper()
	quoted, _ := json.Marshal(text)
	b.waitFor(`document.getElementById('messages').textContent.includes(` + string(quoted) + `)`)
}

// tap clicks the button labelled label under the latest bot message with a
// keyboard, and waits until the chat changes in answer.
func (b *browser) tap(label string) {
	b.t.Helper()
	version := run(b, chromedp.Evaluate[string](`document.body.dataset.version`))
	b.click(label)
	quoted, _ := json.Marshal(version)
	b.waitFor(`document.body.dataset.version !== ` + string(quoted))
}

// click clicks the button labelled label under the latest bot message with
// a keyboard.
func (b *browser) click(label string) {
	b.t.Helper()
	button := `(//li[contains(@class,'in')][.//div[contains(@class,'keyboard')]])[last()]` +
		`//button[contains(@class,'kb-btn')][normalize-space(.)="` + label + `"]`
	b.do(chromedp.Click(chromedp.Search(button)))
}

// catchErrors records the page's uncaught errors from now on, for
// checkErrors.
func (b *browser) catchErrors() {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.pageErrors = [];
		addEventListener('error', (e) => pageErrors.push(String(e.message)));
		addEventListener('unhandledrejection', (e) => pageErrors.push(String(e.reason)));`))
}

// checkErrors fails the test if the page threw since catchErrors.
func (b *browser) checkErrors() {
	b.t.Helper()
	if errs := run(b, chromedp.Evaluate[[]string](`window.pageErrors`)); len(errs) > 0 {
		b.t.Errorf("the page threw: %q", errs)
	}
}

// choose picks value in the header's select with the given id, as a person
// would (a headless browser opens no native drop-down to click).
func (b *browser) choose(id, value string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('` + id + `');
		s.value = '` + value + `';
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`))
}

// persona switches between the citizen and the clerk.
func (b *browser) persona(who string) {
	b.t.Helper()
	b.choose("persona", who)
}

// screenshot saves the screen as a PNG under $SANDBOX_SCREENSHOTS.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.dir == "" {
		return
	}
	png := run(b, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(b.dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
