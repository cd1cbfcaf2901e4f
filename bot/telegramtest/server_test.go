package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

func TestAuthAndRouting(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"wrong token", "/bot1:WRONG/getMe", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
		{"unknown method", "/bot" + srv.Token() + "/sendTelepathy", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"no bot prefix", "/getMe", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"method names ignore case", "/bot" + srv.Token() + "/GETME", 200, `"username":"parlabot_test_bot"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL()+tt.path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if got := srv.CallCount("getMe"); got != 1 {
		t.Errorf("CallCount(getMe) = %d, want 1 (wrong tokens are not the bot's calls)", got)
	}
}

func TestGetMeThroughClient(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
	if err != nil {
		t.Fatalf("bot.New with getMe: %v", err)
	}
	me, err := b.GetMe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := srv.BotUser()
	if me.ID != want.ID || !me.IsBot || me.Username != "parlabot_test_bot" || b.ID() != me.ID {
		t.Errorf("GetMe = %+v, want %+v", me, want)
	}
}

func TestFaultInjection(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(5001, "es")
	srv.Fail("sendMessage", 2, http.StatusTooManyRequests, 7)
	for i := range 2 {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "hola"})
		var tooMany *bot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Fatalf("call %d: err = %v, want *bot.TooManyRequestsError with RetryAfter 7", i, err)
		}
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "hola"}); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if got := len(u.Messages()); got != 1 {
		t.Errorf("chat has %d messages, want 1: failed calls have no effect", got)
	}
	calls := srv.Calls("sendmessage")
	if len(calls) != 3 || calls[0].Code != 429 || calls[2].Code != 200 || calls[2].Params["text"] != "hola" {
		t.Errorf("calls = %+v", calls)
	}

	srv.Fail("editMessageText", 1, http.StatusBadGateway, 0)
	_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: u.ID(), MessageID: 1, Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("injected 502: err = %v", err)
	}
	srv.Fail("getMe", 1, http.StatusInternalServerError, 0)
	a, err := apiCall(ctx, srv, "getMe", nil)
	if err != nil || a.Status != 500 || a.Description != "Internal Server Error" || a.OK {
		t.Errorf("injected 500 = %+v, %v", a, err)
	}
	a, err = apiCall(ctx, srv, "getMe", nil)
	if err != nil || !a.OK {
		t.Errorf("after the fault = %+v, %v", a, err)
	}
}

func TestDocumentAndPhoto(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(5002, "es")
	csv := []byte("pseudonym,answer\nab12,5\n")
	msg, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:    u.ID(),
		Document:  &models.InputFileUpload{Filename: "export.csv", Data: bytes.NewReader(csv)},
		Caption:   "<b>Exportación</b>",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Document == nil || msg.Document.FileName != "export.csv" || msg.Document.FileSize != int64(len(csv)) || msg.Caption != "Exportación" || msg.Document.MimeType != "text/csv" {
		t.Errorf("returned message = %+v, document %+v", msg, msg.Document)
	}
	call := srv.Calls("sendDocument")[0]
	if f := call.Files["document"]; f.Name != "export.csv" || !bytes.Equal(f.Data, csv) {
		t.Errorf("recorded file = %q %q", f.Name, f.Data)
	}
	last := u.Last()
	if last.Document == nil || !bytes.Equal(last.Document.Data, csv) || last.Caption != "<b>Exportación</b>" || last.Plain != "Exportación" {
		t.Errorf("Last() = %+v", last)
	}

	// Sending again by file_id resolves to the same bytes.
	if _, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: u.ID(), Document: &models.InputFileString{Data: msg.Document.FileID}}); err != nil {
		t.Fatal(err)
	}
	if d := u.Last().Document; d == nil || d.Ref != msg.Document.FileID || !bytes.Equal(d.Data, csv) {
		t.Errorf("resent document = %+v", d)
	}
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: u.ID(), Document: &models.InputFileString{Data: "no-such-file"}})
	if err == nil || !strings.Contains(err.Error(), "wrong file identifier/HTTP URL specified") {
		t.Errorf("unknown file_id: err = %v", err)
	}

	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 3, 2))
	pic.Set(1, 1, color.RGBA{R: 200, A: 255})
	if err := png.Encode(&img, pic); err != nil {
		t.Fatal(err)
	}
	photo, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(img.Bytes())}})
	if err != nil {
		t.Fatal(err)
	}
	if len(photo.Photo) != 1 || photo.Photo[0].Width != 3 || photo.Photo[0].Height != 2 {
		t.Errorf("photo sizes = %+v", photo.Photo)
	}
	if p := u.Last().Photo; p == nil || p.Name != "chart.png" || !bytes.Equal(p.Data, img.Bytes()) {
		t.Errorf("Last().Photo = %+v", p)
	}
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileUpload{Filename: "chart.png", Data: strings.NewReader("not an image")}})
	if err == nil || !strings.Contains(err.Error(), "IMAGE_PROCESS_FAILED") {
		t.Errorf("bad photo: err = %v", err)
	}
	if _, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileString{Data: "https://example.org/chart.png"}}); err != nil {
		t.Errorf("photo by URL: %v", err)
	}
}

func TestRequestEncodings(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	u := srv.User(5003, "es")

	a, err := apiCall(ctx, srv, "sendMessage", map[string]any{
		"chat_id": u.ID(), "text": "json",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "A", "callback_data": "a"}}}},
	})
	if err != nil || !a.OK {
		t.Fatalf("JSON body: %+v, %v", a, err)
	}
	if got := u.Last(); got.Plain != "json" || len(got.Keyboard) != 1 || got.Keyboard[0][0].Data != "a" {
		t.Errorf("JSON body gave %+v", got)
	}
	if got := srv.Calls("sendMessage")[0].Params["reply_markup"]; got != `{"inline_keyboard":[[{"callback_data":"a","text":"A"}]]}` {
		t.Errorf("recorded reply_markup = %s", got)
	}

	form := url.Values{"chat_id": {itoa(u.ID())}, "text": {"form"}}
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/sendMessage", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || u.Last().Plain != "form" {
		t.Errorf("form body: %d, %+v", resp.StatusCode, u.Last())
	}

	resp, err = http.Get(srv.URL() + "/bot" + srv.Token() + "/sendMessage?chat_id=" + itoa(u.ID()) + "&text=query")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || u.Last().Plain != "query" {
		t.Errorf("query params: %d, %+v", resp.StatusCode, u.Last())
	}
}

func TestCommands(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	es := srv.User(5004, "es")
	pt := srv.User(5005, "pt-BR")
	clerk := srv.User(5006, "es")
	set := func(scope models.BotCommandScope, lang string, cmds ...string) error {
		var list []models.BotCommand
		for _, c := range cmds {
			list = append(list, models.BotCommand{Command: c, Description: "desc " + c})
		}
		_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: list, Scope: scope, LanguageCode: lang})
		return err
	}
	for _, err := range []error{
		set(nil, "", "start", "language"),
		set(&models.BotCommandScopeAllPrivateChats{}, "pt", "start", "idioma"),
		set(&models.BotCommandScopeChat{ChatID: clerk.ID()}, "", "start", "report", "export"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	names := func(cmds []models.BotCommand) string {
		var s []string
		for _, c := range cmds {
			s = append(s, c.Command)
		}
		return strings.Join(s, ",")
	}
	for _, tt := range []struct {
		user *telegramtest.User
		want string
	}{{es, "start,language"}, {pt, "start,idioma"}, {clerk, "start,report,export"}} {
		if got := names(tt.user.Commands()); got != tt.want {
			t.Errorf("user %d sees %q, want %q", tt.user.ID(), got, tt.want)
		}
	}
	if got := names(srv.Commands(&models.BotCommandScopeAllPrivateChats{}, "pt")); got != "start,idioma" {
		t.Errorf("Commands(all private, pt) = %q", got)
	}
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: clerk.ID()}})
	if err != nil || names(got) != "start,report,export" {
		t.Errorf("GetMyCommands = %v, %v", got, err)
	}
	if err := set(nil, "", "Start"); err == nil || !strings.Contains(err.Error(), "BOT_COMMAND_INVALID") {
		t.Errorf("uppercase command: err = %v", err)
	}
	if err := set(nil, "pt-BR", "start"); err == nil || !strings.Contains(err.Error(), "invalid language code") {
		t.Errorf("language pt-BR: err = %v", err)
	}
}

func TestWebhook(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "http://example.org/hook"}); err == nil || !strings.Contains(err.Error(), "HTTPS URL must be provided") {
		t.Errorf("http webhook: err = %v", err)
	}
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://example.org/hook", SecretToken: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	info, secret := srv.Webhook()
	if info.URL != "https://example.org/hook" || secret != "s3cret" {
		t.Errorf("Webhook() = %+v, %q", info, secret)
	}
	srv.User(5007, "es").Send("hola")
	got, err := b.GetWebhookInfo(ctx)
	if err != nil || got.URL != info.URL || got.PendingUpdateCount != 1 {
		t.Errorf("GetWebhookInfo = %+v, %v", got, err)
	}
	if a, err := apiCall(ctx, srv, "getUpdates", nil); err != nil || a.ErrorCode != 409 {
		t.Errorf("getUpdates with a webhook = %+v, %v; want 409", a, err)
	}
	if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if ups, err := getUpdates(ctx, srv, 0, 0); err != nil || len(ups) != 0 {
		t.Errorf("getUpdates after deleteWebhook(drop) = %+v, %v", ups, err)
	}
}

func TestSubscribe(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(5008, "es")
	other := srv.User(5009, "es")
	events, cancel := srv.Subscribe(u.ID())

	u.Send("hola")
	other.Send("not for this subscriber")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "q", ReplyMarkup: yesNo})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: u.ID(), MessageID: sent.ID, Text: "q2"}); err != nil {
		t.Fatal(err)
	}
	u.TapData(sent.ID, "answer:yes")
	ups, err := getUpdates(ctx, srv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	cq := ups[len(ups)-1].CallbackQuery
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "ok", ShowAlert: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: u.ID(), MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	cancel()

	var got []string
	for ev := range events {
		if ev.ChatID != u.ID() {
			t.Errorf("event for chat %d", ev.ChatID)
		}
		s := ev.Kind + ":" + ev.Message.Plain
		if ev.Kind == telegramtest.EventCallbackAnswer {
			s += ":" + ev.Text + ":" + strconv.FormatBool(ev.ShowAlert)
		}
		got = append(got, s)
	}
	want := []string{"new:hola", "new:q", "edit:q2", "callback_answer:q2:ok:true", "delete:q2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events = %q, want %q", got, want)
	}
}
