package bot

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
)

// webhookSetup is where the harness's bot takes webhook requests; each
// start listens on a new free loopback port.
type webhookSetup struct {
	url string
}

// useWebhook makes the bots the harness starts from now on take updates by
// webhook, with the secret given (generated when empty).
func (h *harness) useWebhook(secret string) *webhookSetup {
	ws := &webhookSetup{}
	prev := h.configure
	h.configure = func(cfg *Config) {
		if prev != nil {
			prev(cfg)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			h.t.Fatal(err)
		}
		ws.url = "http://" + ln.Addr().String() + "/tg"
		cfg.Listener, cfg.WebhookURL, cfg.WebhookSecret = ln, ws.url, secret
	}
	return ws
}

// newWebhookHarness is newHarnessWithAdmins with the bot on a webhook.
func newWebhookHarness(t *testing.T, admins ...int64) (*harness, *webhookSetup) {
	t.Helper()
	h := newHarnessWithAdmins(t, admins...)
	ws := h.useWebhook("")
	h.restart()
	h.waitWebhook(ws)
	return h, ws
}

// waitWebhook waits until the bot has set its webhook and returns the
// secret token it gave Telegram.
func (h *harness) waitWebhook(ws *webhookSetup) string {
	h.t.Helper()
	var info models.WebhookInfo
	var secret string
	untilTrue(h.t, "the webhook is set", func() bool {
		info, secret = h.srv.Webhook()
		return info.URL == ws.url
	})
	return secret
}

// untilTrue waits for cond, failing the test after 10 seconds.
func untilTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A citizen answers the reference consultation with the bot on a webhook;
// the bot sets the webhook at start and removes it at a clean stop.
func TestWebhookCitizenAnswers(t *testing.T) {
	h, ws := newWebhookHarness(t)
	secret := h.waitWebhook(ws)
	polls := h.srv.CallCount("getUpdates")

	ana := h.citizen(1001, "pt-BR")
	ana.send("/start " + reference)
	ana.sees("Avalie a transmissão")
	ana.tap("Começar", "Sim", "4 🙂", "9", "Site do Congresso", "Canal de TV", "Confirmar", "Sul")
	ana.send("Mais câmeras")
	ana.said("Até agora, 1 pessoa respondeu.")
	r := ana.response()
	if !r.IsCompleted() || answerString(r.Answers["channels"]) != "website,tv" || r.Answers["comment"].Text != "Mais câmeras" {
		t.Errorf("stored response = %+v", r)
	}
	if got := h.srv.CallCount("getUpdates"); got != polls {
		t.Errorf("the bot called getUpdates %d times on a webhook", got-polls)
	}
	// Each tap was answered in the response to its webhook request.
	answers := h.srv.Calls("answerCallbackQuery")
	for _, a := range answers {
		if !a.WebhookReply {
			t.Errorf("a tap was answered with a call of its own: %+v", a)
		}
	}
	if len(answers) != 8 {
		t.Errorf("%d taps answered, want 8", len(answers))
	}

	calls := h.srv.Calls("setWebhook")
	set := calls[len(calls)-1]
	want := map[string]string{
		"url": ws.url, "secret_token": secret, "max_connections": "40",
		"allowed_updates": `["message","callback_query"]`,
	}
	for k, v := range want {
		if set.Params[k] != v {
			t.Errorf("setWebhook %s = %q, want %q", k, set.Params[k], v)
		}
	}
	if v := set.Params["drop_pending_updates"]; v != "" && v != "false" {
		t.Errorf("setWebhook drops pending updates (%q): they would be lost", v)
	}

	deletes := h.srv.CallCount("deleteWebhook")
	h.stop()
	if h.srv.CallCount("deleteWebhook") != deletes+1 {
		t.Error("no deleteWebhook at a clean stop")
	}
	if info, _ := h.srv.Webhook(); info.URL != "" {
		t.Errorf("webhook still set after a clean stop: %s", info.URL)
	}
}

// hookRequest posts body to the bot's webhook with the secret token (none
// when secret is "") and returns the status.
func hookRequest(t *testing.T, method, url, secret string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(telegramtest.SecretHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// startUpdate is /start from a private chat, as Telegram posts it.
func startUpdate(t *testing.T, updateID, userID int64) []byte {
	t.Helper()
	data, err := json.Marshal(models.Update{ID: updateID, Message: &models.Message{
		ID: 1, Date: 1765378800, Text: "/start",
		From:     &models.User{ID: userID, FirstName: "Ana", LanguageCode: "es"},
		Chat:     models.Chat{ID: userID, Type: models.ChatTypePrivate, FirstName: "Ana"},
		Entities: []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Length: 6}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Only Telegram gets in: a request without the secret token, or with
// another, is refused and changes nothing; too big a body, another method
// or a body that is not an update are refused too.
func TestWebhookRefusesWhatIsNotTelegram(t *testing.T) {
	h, ws := newWebhookHarness(t)
	secret := h.waitWebhook(ws)
	ctx := context.Background()
	ana := h.srv.User(4242, "es") // her chat exists; she has sent nothing through Telegram
	update := startUpdate(t, 900001, ana.ID())

	huge := append([]byte(`{"update_id":900002,"message":{"text":"`), bytes.Repeat([]byte("a"), 2<<20)...)
	huge = append(huge, `"}}`...)
	tests := []struct {
		name, method, url, secret string
		body                      []byte
		want                      int
	}{
		{"no secret token", http.MethodPost, ws.url, "", update, http.StatusUnauthorized},
		{"a wrong secret token", http.MethodPost, ws.url, secret + "x", update, http.StatusUnauthorized},
		{"a secret token of another bot", http.MethodPost, ws.url, "s3cret", update, http.StatusUnauthorized},
		{"GET", http.MethodGet, ws.url, secret, nil, http.StatusMethodNotAllowed},
		{"a 2 MB body", http.MethodPost, ws.url, secret, huge, http.StatusRequestEntityTooLarge},
		{"not JSON", http.MethodPost, ws.url, secret, []byte("update_id=1"), http.StatusBadRequest},
		{"another path", http.MethodPost, strings.TrimSuffix(ws.url, "/tg") + "/other", secret, update, http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := hookRequest(t, tt.method, tt.url, tt.secret, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if _, err := h.store.Citizen(ctx, ana.ID()); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("refused requests stored the citizen (err %v)", err)
	}
	if seen, _ := h.store.UpdateSeen(ctx, 900001); seen {
		t.Error("a refused update was recorded as handled")
	}
	if n := len(ana.Messages()); n != 0 {
		t.Errorf("the bot answered a refused request: %d messages", n)
	}

	// With the secret token, the same update is handled.
	if got := hookRequest(t, http.MethodPost, ws.url, secret, update); got != http.StatusOK {
		t.Fatalf("Telegram's request: status %d, want 200", got)
	}
	if seen, _ := h.store.UpdateSeen(ctx, 900001); !seen {
		t.Error("the update was not recorded as handled")
	}
	if !saidSomething(ana, "Antes de empezar: su privacidad") {
		t.Errorf("after /start the newcomer sees %q, want the privacy notice", ana.Last().Plain)
	}
	// Posted again (Telegram retrying), it is acknowledged and not handled twice.
	before := len(ana.Messages())
	if got := hookRequest(t, http.MethodPost, ws.url, secret, update); got != http.StatusOK {
		t.Errorf("repeated update: status %d, want 200", got)
	}
	if got := len(ana.Messages()); got != before {
		t.Errorf("a repeated update was handled again: %d messages, want %d", got, before)
	}
}

// The secret token made when none is configured is kept in the database:
// the same after a restart. A configured one is used as it is.
func TestWebhookSecretIsKept(t *testing.T) {
	h, ws := newWebhookHarness(t)
	first := h.waitWebhook(ws)
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(first) {
		t.Errorf("generated secret %q: want 43 characters of A-Z a-z 0-9 _ -", first)
	}
	key, err := h.store.Secret(context.Background(), WebhookSecretName)
	if err != nil {
		t.Fatal(err)
	}
	if want := base64.RawURLEncoding.EncodeToString(key); first != want {
		t.Errorf("secret %q is not the database's key %q", first, want)
	}
	h.restart()
	if again := h.waitWebhook(ws); again != first {
		t.Errorf("after a restart the secret is %q, want %q", again, first)
	}

	h.configure = nil
	ws = h.useWebhook("Parlamento_2026-secreto")
	h.restart()
	if got := h.waitWebhook(ws); got != "Parlamento_2026-secreto" {
		t.Errorf("configured secret: Telegram got %q", got)
	}
	ana := h.citizen(1002, "es")
	ana.send("/start " + reference)
	ana.sees("Evalúe la transmisión")
}

// Settings that cannot work are refused before anything starts.
func TestWebhookSettingsChecked(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, url, secret, want string
	}{
		{"no scheme", "bot.example.org/telegram", "", "webhook URL"},
		{"ftp", "ftp://bot.example.org/telegram", "", "webhook URL"},
		{"a space in the secret", "https://bot.example.org/telegram", "a b", "webhook secret"},
		{"a secret too long", "https://bot.example.org/telegram", strings.Repeat("a", 257), "webhook secret"},
	}
	for _, tt := range tests {
		cfg := Config{Token: h.srv.Token(), APIURL: h.srv.URL(), Store: h.store, Messages: h.bot.msg, WebhookURL: tt.url, WebhookSecret: tt.secret}
		_, err := New(context.Background(), cfg)
		if err == nil || consultations.ErrorCode(err) != consultations.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want an EINVALID error about the %s", tt.name, err, tt.want)
		}
	}
}

// saidSomething reports whether one of the bot's messages to u contains want.
func saidSomething(u *telegramtest.User, want string) bool {
	for _, m := range u.Messages() {
		if m.FromBot && strings.Contains(m.Plain, want) {
			return true
		}
	}
	return false
}

// Citizens answering at once reach the bot through the webhook at once,
// each one's updates in order, and every answer is stored.
func TestWebhookManyCitizensAtOnce(t *testing.T) {
	h, _ := newWebhookHarness(t)
	people := make([]*citizen, 8)
	for i := range people {
		people[i] = h.citizen(int64(3001+i), "es")
	}
	var wg sync.WaitGroup
	for _, c := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := c.SendWait(ctx, "/start "+reference); err != nil {
				t.Errorf("citizen %d: %v", c.ID(), err)
				return
			}
			for _, label := range []string{"Comenzar", "Sí", "4 🙂", "9", "Sitio web del Congreso", "Confirmar", "Sur"} {
				if err := c.TapWait(ctx, label); err != nil {
					t.Errorf("citizen %d: tap %q: %v", c.ID(), label, err)
					return
				}
			}
			if err := c.SendWait(ctx, "Más cámaras"); err != nil {
				t.Errorf("citizen %d: %v", c.ID(), err)
			}
		}()
	}
	wg.Wait()
	for _, c := range people {
		if r := c.responseOrNil(); r == nil || !r.IsCompleted() || len(r.Answers) != 6 {
			t.Errorf("citizen %d: response %+v", c.ID(), r)
		}
	}
	n, err := h.store.CountCompleted(context.Background(), reference)
	if err != nil || n != len(people) {
		t.Errorf("completed = %d, %v; want %d", n, err, len(people))
	}
}
