package telegramtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestLongPollReturnsOnPush(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)

	type result struct {
		ups []models.Update
		err error
	}
	got := make(chan result, 1)
	go func() {
		// A timeout far beyond the test's deadline: only the push can end it.
		ups, err := getUpdates(ctx, srv, 0, 3600)
		got <- result{ups, err}
	}()
	id := srv.User(4001, "es").Send("hola")
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.ups) != 1 || r.ups[0].ID != id || r.ups[0].Message.Text != "hola" {
		t.Fatalf("updates = %+v, want update %d", r.ups, id)
	}
}

func TestOffsetConfirmation(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	u := srv.User(4002, "es")
	first := u.Send("uno")
	second := u.Send("dos")

	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil || len(ups) != 2 {
		t.Fatalf("getUpdates = %d updates, %v; want 2", len(ups), err)
	}
	// Unconfirmed updates are served again.
	ups, err = getUpdates(ctx, srv, 0, 0)
	if err != nil || len(ups) != 2 || ups[0].ID != first {
		t.Fatalf("getUpdates again = %+v, %v; want both again", ups, err)
	}

	// The wait for the first update ends when a getUpdates confirms it.
	waited := make(chan error, 1)
	go func() { waited <- srv.WaitConfirmed(ctx, first) }()
	ups, err = getUpdates(ctx, srv, first+1, 0)
	if err != nil || len(ups) != 1 || ups[0].ID != second {
		t.Fatalf("getUpdates(offset %d) = %+v, %v; want only %d", first+1, ups, err, second)
	}
	if err := <-waited; err != nil {
		t.Fatalf("WaitConfirmed(%d) = %v", first, err)
	}

	// WaitIdle waits for the second.
	idle := make(chan error, 1)
	go func() { idle <- srv.WaitIdle(ctx) }()
	if _, err := getUpdates(ctx, srv, second+1, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-idle; err != nil {
		t.Fatalf("WaitIdle = %v", err)
	}

	// A canceled wait reports the context's error; an unknown id fails at once.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	third := u.Send("tres")
	if err := srv.WaitConfirmed(canceled, third); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitConfirmed(canceled) = %v, want context.Canceled", err)
	}
	if err := srv.WaitConfirmed(ctx, third+100); err == nil {
		t.Error("WaitConfirmed(never queued) = nil, want an error")
	}
}

func TestRepeatedUpdateIsServedAgain(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	id := srv.User(4003, "es").Send("/start")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil || len(ups) != 1 {
		t.Fatalf("getUpdates = %+v, %v", ups, err)
	}
	if _, err := getUpdates(ctx, srv, id+1, 0); err != nil {
		t.Fatal(err)
	}

	// Telegram may deliver the same update twice; the bot must not count it twice.
	if got := srv.Push(ups[0]); got != id {
		t.Fatalf("Push(repeat) = %d, want %d", got, id)
	}
	again, err := getUpdates(ctx, srv, id+1, 0)
	if err != nil || len(again) != 1 || again[0].ID != id || again[0].Message.Text != "/start" {
		t.Fatalf("getUpdates after repeat = %+v, %v; want update %d again", again, err, id)
	}
	waited := make(chan error, 1)
	go func() { waited <- srv.WaitConfirmed(ctx, id) }()
	if _, err := getUpdates(ctx, srv, id+1, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	// New updates continue after the highest id.
	if next := srv.Push(models.Update{Message: &models.Message{Text: "x"}}); next != id+1 {
		t.Errorf("next id = %d, want %d", next, id+1)
	}
}

func TestPushRaw(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	raw := []byte(`{"message":{"message_id":7,"date":1767225600,"chat":{"id":55,"type":"private"},
		"from":{"id":55,"is_bot":false,"first_name":"Ana","language_code":"pt-BR"},
		"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}],
		"some_future_field":{"kept":true}}}`)
	id, err := srv.PushRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := apiCall(ctx, srv, "getUpdates", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(a.Result); !contains(got, `"some_future_field":{"kept":true}`) || !contains(got, `"update_id":`) {
		t.Errorf("result = %s, want the raw fields and an update_id", got)
	}
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil || len(ups) != 1 || ups[0].ID != id || ups[0].Message.From.LanguageCode != "pt-BR" {
		t.Fatalf("updates = %+v, %v", ups, err)
	}
	// The citizen of a raw update exists now, with the message, and the bot can reply.
	ana := srv.User(55, "")
	if got := ana.Messages(); len(got) != 1 || got[0].Text != "/start" || got[0].ID != 7 || ana.LanguageCode() != "pt-BR" || ana.Model().FirstName != "Ana" {
		t.Errorf("citizen of the raw update: messages %+v, %+v", got, ana.Model())
	}
	if users := srv.Users(); len(users) != 1 || users[0].ID() != 55 {
		t.Errorf("Users() = %v", users)
	}
	reply, err := newBot(t, srv).SendMessage(ctx, &bot.SendMessageParams{ChatID: 55, Text: "Olá"})
	if err != nil || reply.ID != 8 {
		t.Errorf("reply = %+v, %v; want message 8", reply, err)
	}
	if _, err := srv.PushRaw([]byte(`{not json`)); err == nil {
		t.Error("PushRaw(bad JSON) = nil error")
	}
	if again, err := srv.PushRaw([]byte(`{"update_id":` + itoa(id) + `,"message":{"message_id":7,"date":1,"chat":{"id":55,"type":"private"},"text":"/start"}}`)); err != nil || again != id {
		t.Errorf("PushRaw(repeat) = %d, %v; want %d", again, err, id)
	}
}

func TestGetUpdatesLimit(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	u := srv.User(4004, "es")
	for range 5 {
		u.Send("x")
	}
	a, err := apiCall(ctx, srv, "getUpdates", map[string]any{"limit": 2})
	if err != nil {
		t.Fatal(err)
	}
	var ups []models.Update
	if err := jsonUnmarshal(a.Result, &ups); err != nil || len(ups) != 2 {
		t.Errorf("limit 2 gave %d updates (%v)", len(ups), err)
	}
}
