package telegramtest_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

func TestSendTapEditRoundTrip(t *testing.T) {
	srv := newServer(t)
	surveyBot(t, srv)
	ctx := testContext(t)
	ana := srv.User(1001, "es")

	if err := ana.SendWait(ctx, "/start"); err != nil {
		t.Fatal(err)
	}
	q := ana.Last()
	if got, want := q.Text, "¿Te gustó la <b>transmisión</b>?"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got, want := q.Plain, "¿Te gustó la transmisión?"; got != want {
		t.Errorf("Plain = %q, want %q", got, want)
	}
	wantKbd := [][]telegramtest.Button{
		{{Text: "Sí", Data: "answer:yes"}, {Text: "No", Data: "answer:no"}},
		{{Text: "Más información", URL: "https://example.org/consulta"}},
	}
	if !reflect.DeepEqual(q.Keyboard, wantKbd) {
		t.Errorf("Keyboard = %+v, want %+v", q.Keyboard, wantKbd)
	}
	if !q.FromBot || q.ParseMode != "HTML" || q.Edits != 0 {
		t.Errorf("question = %+v, want from bot, HTML, no edits", q)
	}

	if err := ana.TapWait(ctx, "Sí"); err != nil {
		t.Fatal(err)
	}
	got := ana.Last()
	if got.ID != q.ID || got.Plain != "Elegiste: yes" || got.Edits != 1 || got.Keyboard != nil {
		t.Errorf("after tap Last() = %+v, want message %d edited once to %q without keyboard", got, q.ID, "Elegiste: yes")
	}
	if text, ok := ana.LastCallbackAnswer(); !ok || text != "¡Gracias!" {
		t.Errorf("LastCallbackAnswer() = %q, %v, want %q, true", text, ok, "¡Gracias!")
	}
	if n := ana.PendingTaps(); n != 0 {
		t.Errorf("PendingTaps() = %d, want 0", n)
	}

	msgs := ana.Messages()
	if len(msgs) != 2 || msgs[0].FromBot || msgs[0].Text != "/start" || !msgs[1].FromBot {
		t.Errorf("Messages() = %+v, want the citizen's /start then the bot's message", msgs)
	}

	// The edit removed the keyboard: nothing is left to tap.
	if _, err := ana.Tap("No"); err == nil || !strings.Contains(err.Error(), "no bot message with an inline keyboard") {
		t.Errorf("Tap after edit: err = %v, want no keyboard", err)
	}
}

func TestTapErrors(t *testing.T) {
	srv := newServer(t)
	surveyBot(t, srv)
	ctx := testContext(t)
	u := srv.User(1002, "pt-BR")
	if err := u.SendWait(ctx, "/start"); err != nil {
		t.Fatal(err)
	}
	_, err := u.Tap("Talvez")
	if err == nil || !strings.Contains(err.Error(), `["Sí" "No" "Más información"]`) {
		t.Errorf("Tap(unknown) err = %v, want the labels present", err)
	}
	if _, err := u.Tap("Más información"); err == nil || !strings.Contains(err.Error(), "URL button") {
		t.Errorf("Tap(URL button) err = %v, want a URL button error", err)
	}
}

func TestTapProducesCallbackUpdate(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(1003, "fr")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "Choisissez", ReplyMarkup: yesNo})
	if err != nil {
		t.Fatal(err)
	}

	// The client's own polling loop delivers the update to a handler.
	updates := make(chan *models.Update, 1)
	poller := newBot(t, srv, bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, up *models.Update) {
		updates <- up
	}))
	pollCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { poller.Start(pollCtx); close(done) }()
	defer func() { stop(); <-done }()

	id, err := u.Tap("No")
	if err != nil {
		t.Fatal(err)
	}
	var up *models.Update
	select {
	case up = <-updates:
	case <-ctx.Done():
		t.Fatal("no update delivered")
	}
	cq := up.CallbackQuery
	if up.ID != id || cq == nil {
		t.Fatalf("update = %+v, want callback query %d", up, id)
	}
	if cq.Data != "answer:no" || cq.From.ID != u.ID() || cq.From.LanguageCode != "fr" || cq.ID == "" || cq.ChatInstance == "" {
		t.Errorf("callback query = %+v", cq)
	}
	if m := cq.Message.Message; m == nil || m.ID != sent.ID || m.Chat.ID != u.ID() || m.Text != "Choisissez" || m.ReplyMarkup == nil {
		t.Errorf("callback message = %+v, want message %d with its keyboard", m, sent.ID)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "ok", ShowAlert: true}); err != nil {
		t.Fatal(err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer err = %v, want query is too old", err)
	}
	if c := srv.Calls("answerCallbackQuery")[0]; c.Params["show_alert"] != "true" || c.Params["text"] != "ok" {
		t.Errorf("recorded answer params = %v", c.Params)
	}
}

func TestTapDataOnDeletedMessageIsInaccessible(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(1004, "es")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "viejo", ReplyMarkup: yesNo})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: u.ID(), MessageID: sent.ID}); err != nil || !ok {
		t.Fatalf("DeleteMessage = %v, %v", ok, err)
	}
	if len(u.Messages()) != 0 {
		t.Errorf("Messages() after delete = %+v, want none", u.Messages())
	}
	id := u.TapData(sent.ID, "answer:yes")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].ID != id {
		t.Fatalf("updates = %+v, want %d", ups, id)
	}
	mm := ups[0].CallbackQuery.Message
	if mm.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage || mm.InaccessibleMessage.MessageID != sent.ID {
		t.Errorf("message = %+v, want inaccessible message %d", mm, sent.ID)
	}
}

func TestSendAddsCommandEntityAndLanguage(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	u := srv.User(1005, "pt-BR")
	u.Send("/start consulta-2026")
	u.SetLanguage("es")
	u.Send("hola 😀")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 {
		t.Fatalf("got %d updates, want 2", len(ups))
	}
	m := ups[0].Message
	wantEnt := []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: 6}}
	if !reflect.DeepEqual(m.Entities, wantEnt) {
		t.Errorf("entities = %+v, want %+v", m.Entities, wantEnt)
	}
	if m.From.LanguageCode != "pt-BR" || m.Chat.ID != 1005 || m.Chat.Type != models.ChatTypePrivate || m.From.FirstName != "Citizen 1005" || m.From.Username != "citizen1005" {
		t.Errorf("message = %+v from %+v", m, m.From)
	}
	if got := ups[1].Message; got.From.LanguageCode != "es" || got.Entities != nil || got.ID != m.ID+1 {
		t.Errorf("second message = %+v, want language es, no entities, next id", got)
	}
}

func TestBlockedUser(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(1006, "es")
	u.SetBlocked(true)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "hola"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("send to blocked: err = %v, want forbidden", err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 999, Text: "hola"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("send to unknown chat: err = %v, want chat not found", err)
	}
}

func TestConcurrentUsers(t *testing.T) {
	srv := newServer(t)
	surveyBot(t, srv)
	ctx := testContext(t)
	const users, messages = 20, 5
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := srv.User(int64(2000+i), "es")
			for j := range messages {
				if err := u.SendWait(ctx, fmt.Sprintf("m%d <%d>", j, i)); err != nil {
					t.Error(err)
					return
				}
				_ = u.Messages()
			}
		}()
	}
	wg.Wait()
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		msgs := srv.User(int64(2000+i), "").Messages()
		if len(msgs) != 2*messages {
			t.Fatalf("user %d has %d messages, want %d", i, len(msgs), 2*messages)
		}
		for j := range messages {
			if got, want := msgs[2*j+1].Plain, fmt.Sprintf("Dijiste: m%d <%d>", j, i); got != want {
				t.Errorf("user %d reply %d = %q, want %q", i, j, got, want)
			}
		}
	}
	if got := srv.CallCount("sendMessage"); got != users*messages {
		t.Errorf("sendMessage calls = %d, want %d", got, users*messages)
	}
}

// A tap carries the message as it is now: after an edit, the edited text
// and keyboard, as the edit's own answer gave them.
func TestTapCarriesTheMessageAsLastEdited(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(1006, "es")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "¿Vio la sesión?", ReplyMarkup: yesNo})
	if err != nil {
		t.Fatal(err)
	}
	u.TapData(sent.ID, "answer:yes")
	again := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Volver", CallbackData: "back"}}}}
	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: u.ID(), MessageID: sent.ID, Text: "Gracias", ReplyMarkup: again})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Text != "Gracias" || edited.EditDate == 0 || edited.ReplyMarkup.InlineKeyboard[0][0].Text != "Volver" {
		t.Errorf("the edit answered %+v", edited)
	}
	u.TapData(sent.ID, "back")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 {
		t.Fatalf("got %d updates, want 2", len(ups))
	}
	first, second := ups[0].CallbackQuery.Message.Message, ups[1].CallbackQuery.Message.Message
	if first.Text != "¿Vio la sesión?" || first.EditDate != 0 || len(first.ReplyMarkup.InlineKeyboard[0]) != 2 {
		t.Errorf("the first tap carried %+v", first)
	}
	if second.Text != "Gracias" || second.EditDate == 0 || second.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "back" {
		t.Errorf("the tap after the edit carried %+v", second)
	}
}
