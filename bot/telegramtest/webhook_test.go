package telegramtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// webhookBot serves the survey bot's handler as a webhook at /hook: it
// checks the secret, handles the update, and answers 500 instead while
// fail is above zero (counting it down). seen records the texts and taps
// each chat's updates carried, in the order they were handled.
type webhookBot struct {
	*bot.Bot
	url  string
	fail atomic.Int32

	mu   sync.Mutex
	seen map[int64][]string
}

func newWebhookBot(t *testing.T, srv *telegramtest.Server, secret string) *webhookBot {
	t.Helper()
	wb := &webhookBot{seen: map[int64][]string{}}
	handle := surveyHandler(t)
	wb.Bot = newBot(t, srv, bot.WithNotAsyncHandlers(), bot.WithDefaultHandler(handle))
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hook" || r.Header.Get(telegramtest.SecretHeader) != secret {
			t.Errorf("webhook request %s with secret %q", r.URL.Path, r.Header.Get(telegramtest.SecretHeader))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if wb.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var u models.Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			t.Errorf("webhook body: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var chat int64
		var what string
		switch {
		case u.Message != nil:
			chat, what = u.Message.Chat.ID, u.Message.Text
		case u.CallbackQuery != nil:
			chat, what = u.CallbackQuery.From.ID, "tap "+u.CallbackQuery.Data
		}
		wb.mu.Lock()
		wb.seen[chat] = append(wb.seen[chat], what)
		wb.mu.Unlock()
		handle(r.Context(), wb.Bot, &u)
	}))
	t.Cleanup(hook.Close)
	wb.url = hook.URL + "/hook"
	return wb
}

func (wb *webhookBot) handled(chat int64) []string {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	return slices.Clone(wb.seen[chat])
}

func TestWebhookDelivers(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	wb := newWebhookBot(t, srv, "s3cret_OK-1")
	ana := srv.User(5101, "es")
	ana.Send("/start") // queued before the webhook is set: delivered once it is
	if _, err := wb.SetWebhook(ctx, &bot.SetWebhookParams{URL: wb.url, SecretToken: "s3cret_OK-1"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ana.Last().Plain; got != "¿Te gustó la transmisión?" {
		t.Fatalf("after /start the citizen sees %q", got)
	}
	if a, err := apiCall(ctx, srv, "getUpdates", nil); err != nil || a.ErrorCode != http.StatusConflict {
		t.Errorf("getUpdates with a webhook = %+v, %v; want 409", a, err)
	}

	// A failed delivery is posted again; the wait ends once it succeeds.
	wb.fail.Store(2)
	id, err := ana.Tap("Sí")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitConfirmed(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := ana.Last().Plain; got != "Elegiste: yes" {
		t.Errorf("after the tap the citizen sees %q", got)
	}
	var statuses []int
	for _, d := range srv.Deliveries() {
		if d.UpdateID == id {
			statuses = append(statuses, d.Status)
		}
	}
	if want := []int{500, 500, 200}; !slices.Equal(statuses, want) {
		t.Errorf("deliveries of the tap = %v, want %v", statuses, want)
	}
	info, err := wb.GetWebhookInfo(ctx)
	if err != nil || info.LastErrorMessage != "Wrong response from the webhook: 500 Internal Server Error" || info.PendingUpdateCount != 0 || info.MaxConnections != 40 {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
	if got, want := wb.handled(ana.ID()), []string{"/start", "tap answer:yes"}; !slices.Equal(got, want) {
		t.Errorf("the bot handled %q, want %q (a failed delivery is not handled)", got, want)
	}

	// Once the webhook is removed, updates wait for getUpdates.
	if _, err := wb.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	ana.Send("hola")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "hola" {
		t.Errorf("getUpdates after deleteWebhook = %+v, %v", ups, err)
	}
}

// Each chat's updates reach the webhook in order, one at a time, while
// other chats' updates are delivered alongside; a chat whose update fails
// waits for it.
func TestWebhookKeepsEachChatInOrder(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	wb := newWebhookBot(t, srv, "")
	if _, err := wb.SetWebhook(ctx, &bot.SetWebhookParams{URL: wb.url}); err != nil {
		t.Fatal(err)
	}
	users := []*telegramtest.User{srv.User(5201, "es"), srv.User(5202, "pt"), srv.User(5203, "en")}
	wb.fail.Store(3)
	var want []string
	for i := range 10 {
		text := "mensaje " + string(rune('a'+i))
		want = append(want, text)
		for _, u := range users {
			u.Send(text)
		}
	}
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if got := wb.handled(u.ID()); !slices.Equal(got, want) {
			t.Errorf("chat %d: handled %q, want %q", u.ID(), got, want)
		}
	}
}

func TestSetWebhookChecksLikeTelegram(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	tests := []struct {
		name    string
		params  bot.SetWebhookParams
		wantErr string
	}{
		{"plain http elsewhere", bot.SetWebhookParams{URL: "http://example.org/hook"}, "An HTTPS URL must be provided"},
		{"another port", bot.SetWebhookParams{URL: "https://example.org:9000/hook"}, "only on ports 80, 88, 443 or 8443"},
		{"a space in the secret", bot.SetWebhookParams{URL: "https://example.org/hook", SecretToken: "a b"}, "secret token contains unallowed characters"},
		{"a secret too long", bot.SetWebhookParams{URL: "https://example.org/hook", SecretToken: strings.Repeat("a", 257)}, "secret token contains unallowed characters"},
		{"too many connections", bot.SetWebhookParams{URL: "https://example.org/hook", MaxConnections: 101}, "max_connections"},
		{"https on 8443", bot.SetWebhookParams{URL: "https://example.org:8443/hook", SecretToken: strings.Repeat("x", 256)}, ""},
		{"http on loopback", bot.SetWebhookParams{URL: "http://127.0.0.1:1/hook"}, ""},
	}
	for _, tt := range tests {
		_, err := b.SetWebhook(ctx, &tt.params)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// A call made to hang gets no answer until the client gives up, and has no
// effect; the next one is answered.
func TestHang(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv, bot.WithHTTPClient(time.Second, &http.Client{Timeout: 200 * time.Millisecond}))
	u := srv.User(5301, "es")
	srv.Hang("sendMessage", 1)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "hola"}); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("hung call: err = %v, want the client's timeout", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "hola"}); err != nil {
		t.Fatalf("next call: %v", err)
	}
	if got := len(u.Messages()); got != 1 {
		t.Errorf("chat has %d messages, want 1: the hung call had no effect", got)
	}
	var codes []int
	for _, c := range srv.Calls("sendMessage") {
		codes = append(codes, c.Code)
	}
	if want := []int{0, 200}; !slices.Equal(codes, want) {
		t.Errorf("sendMessage calls answered %v, want %v", codes, want)
	}
}

// Close ends a hung call and stops delivering to the webhook.
func TestCloseEndsHangsAndDeliveries(t *testing.T) {
	srv := telegramtest.New()
	b := newBot(t, srv)
	ctx := testContext(t)
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hook.Close()
	defer close(release)
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL}); err != nil {
		t.Fatal(err)
	}
	srv.User(5401, "es").Send("hola")
	srv.Hang("getMe", 1)
	done := make(chan error, 1)
	go func() { _, err := b.GetMe(ctx); done <- err }()
	for srv.CallCount("getMe") == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Error("a hung call succeeded after Close")
	}
}

// A webhook may answer an update with a Bot API call, as Telegram allows:
// the fake performs it, in JSON or as a form, records it as made in a
// reply, and ignores an answer that names no method.
func TestWebhookAnswerMakesACall(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	var answers atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u models.Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		chat := u.Message.Chat.ID
		switch answers.Add(1) {
		case 1:
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"method":"sendMessage","chat_id":%d,"text":"<b>Hola</b>","parse_mode":"HTML"}`, chat)
		case 2:
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = fmt.Fprintf(w, "method=sendMessage&chat_id=%d&text=Chau", chat)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	t.Cleanup(hook.Close)
	b := newBot(t, srv)
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL}); err != nil {
		t.Fatal(err)
	}
	ana := srv.User(5201, "es")
	for _, text := range []string{"uno", "dos", "tres"} {
		if err := srv.WaitConfirmed(ctx, ana.Send(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, m := range ana.Messages() {
		if m.FromBot {
			said = append(said, m.Plain)
		}
	}
	if want := []string{"Hola", "Chau"}; !slices.Equal(said, want) {
		t.Errorf("the bot said %q, want %q", said, want)
	}
	sends := srv.Calls("sendMessage")
	if len(sends) != 2 || !sends[0].WebhookReply || !sends[1].WebhookReply || sends[0].Params["method"] != "" {
		t.Errorf("sendMessage calls = %+v, want two made in webhook replies, without the method among their parameters", sends)
	}
}
