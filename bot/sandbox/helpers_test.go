package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/sandbox"
	"github.com/parlabot/parlabot/bot/telegramtest"
)

// adminID is the clerk persona's user id in these tests.
const adminID = 42

// env is a fake Telegram server, the web chat over it, and a bot client
// that plays the bot.
type env struct {
	t   *testing.T
	srv *telegramtest.Server
	web *httptest.Server
	bot *bot.Bot
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := telegramtest.New()
	web := httptest.NewServer(sandbox.New(srv, sandbox.Options{AdminID: adminID, BotName: "parlabot"}))
	// Cleanups run last first: closing srv ends the event streams, so the
	// web server has no request left open when it closes.
	t.Cleanup(web.Close)
	t.Cleanup(srv.Close)
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return &env{t: t, srv: srv, web: web, bot: b}
}

// ctx bounds a test's waits.
func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// post sends body as JSON to the web chat and returns the status and the
// decoded answer.
func (e *env) post(path string, body any) (int, map[string]any) {
	e.t.Helper()
	data, ok := body.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	res, err := http.Post(e.web.URL+path, "application/json", bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, decodeBody(e.t, res)
}

// formPart is a field of a multipart form; with a file name it is a file.
type formPart struct {
	name, fileName, content string
}

// postForm sends the parts as multipart/form-data, as a browser's FormData,
// and returns the status and the decoded answer.
func (e *env) postForm(path string, parts ...formPart) (int, map[string]any) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.fileName != "" {
			w, err = mw.CreateFormFile(p.name, p.fileName)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			e.t.Fatal(err)
		}
		io.WriteString(w, p.content)
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	res, err := http.Post(e.web.URL+path, mw.FormDataContentType(), &body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, decodeBody(e.t, res)
}

// get fetches path from the web chat and decodes its JSON answer into v.
func (e *env) get(path string, v any) int {
	e.t.Helper()
	res, err := http.Get(e.web.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		e.t.Fatalf("GET %s: decode: %v", path, err)
	}
	return res.StatusCode
}

func decodeBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("answer %q is not a JSON object: %v", data, err)
	}
	return v
}

// say sends a message from the bot to chatID.
func (e *env) say(chatID int64, text string, kb *models.InlineKeyboardMarkup) *models.Message {
	e.t.Helper()
	params := &bot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	m, err := e.bot.SendMessage(e.ctx(), params)
	if err != nil {
		e.t.Fatalf("bot sends %q: %v", text, err)
	}
	return m
}

// updates reads the queued updates as the bot would, without confirming
// them.
func (e *env) updates() []models.Update {
	e.t.Helper()
	res, err := http.Get(e.srv.URL() + "/bot" + e.srv.Token() + "/getUpdates?timeout=0")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var answer struct {
		OK     bool            `json:"ok"`
		Result []models.Update `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil || !answer.OK {
		e.t.Fatalf("getUpdates: ok=%v, %v", answer.OK, err)
	}
	return answer.Result
}

// chatState is the page's view of a chat, as GET /chat answers it.
type chatState struct {
	OK       bool   `json:"ok"`
	User     int64  `json:"user"`
	Language string `json:"language"`
	Messages []struct {
		ID       int             `json:"id"`
		FromBot  bool            `json:"from_bot"`
		Plain    string          `json:"plain"`
		Content  json.RawMessage `json:"content"`
		Edits    int             `json:"edits"`
		Date     int64           `json:"date"`
		Keyboard [][]struct {
			Text string `json:"text"`
			Data string `json:"data"`
			URL  string `json:"url"`
		} `json:"keyboard"`
		Photo *struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"photo"`
		Document *struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"document"`
	} `json:"messages"`
}
