package sandbox_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/sandbox"
	"github.com/parlabot/parlabot/bot/telegramtest"
)

func TestChatShowsBothSides(t *testing.T) {
	e := newEnv(t)
	if code, got := e.post("/persona", map[string]any{"user": 1001, "language": "pt-BR"}); code != http.StatusOK {
		t.Fatalf("POST /persona = %d %v", code, got)
	}
	if code, got := e.post("/send", map[string]any{"user": 1001, "text": "/start"}); code != http.StatusOK {
		t.Fatalf("POST /send = %d %v", code, got)
	}
	e.say(1001, "Olá, <b>cidadã</b>!", &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Sim", CallbackData: "yes"}, {Text: "Não", CallbackData: "no"}},
		{{Text: "Site", URL: "https://example.org"}},
	}})

	var st chatState
	if code := e.get("/chat?user=1001", &st); code != http.StatusOK {
		t.Fatalf("GET /chat = %d", code)
	}
	if st.User != 1001 || st.Language != "pt-BR" {
		t.Errorf("chat of user %d in %q, want 1001 in pt-BR", st.User, st.Language)
	}
	if len(st.Messages) != 2 {
		t.Fatalf("chat has %d messages, want the citizen's and the bot's: %+v", len(st.Messages), st.Messages)
	}
	mine, reply := st.Messages[0], st.Messages[1]
	if mine.FromBot || mine.Plain != "/start" || mine.ID != 1 || mine.Date == 0 {
		t.Errorf("first message = %+v, want the citizen's /start, id 1, dated", mine)
	}
	if !reply.FromBot || reply.Plain != "Olá, cidadã!" || reply.ID != 2 {
		t.Errorf("second message = %+v, want the bot's greeting", reply)
	}
	if got := len(reply.Keyboard); got != 2 || len(reply.Keyboard[0]) != 2 || reply.Keyboard[0][1].Data != "no" ||
		reply.Keyboard[1][0].URL != "https://example.org" {
		t.Errorf("keyboard = %+v, want rows [Sim Não] [Site→https://example.org]", reply.Keyboard)
	}
}

func TestTapPostsCallback(t *testing.T) {
	e := newEnv(t)
	e.post("/persona", map[string]any{"user": 1001, "language": "fr"})
	m := e.say(1001, "Continuer ?", &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Oui", CallbackData: "answer:yes"}},
	}})

	if code, got := e.post("/tap", map[string]any{"user": 1001, "message_id": m.ID, "data": "answer:yes"}); code != http.StatusOK {
		t.Fatalf("POST /tap = %d %v", code, got)
	}
	ups := e.updates()
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v, want one callback_query", ups)
	}
	q := ups[0].CallbackQuery
	if q.Data != "answer:yes" || q.From.ID != 1001 || q.From.LanguageCode != "fr" || q.Message.Message == nil || q.Message.Message.ID != m.ID {
		t.Errorf("callback query = data %q from %d (%q) on %+v; want answer:yes from 1001 (fr) on message %d",
			q.Data, q.From.ID, q.From.LanguageCode, q.Message.Message, m.ID)
	}
}

func TestPersonaChangesLanguageOfLaterUpdates(t *testing.T) {
	e := newEnv(t)
	e.post("/persona", map[string]any{"user": 1001, "language": "es"})
	e.post("/send", map[string]any{"user": 1001, "text": "hola"})
	e.post("/persona", map[string]any{"user": 1001, "language": "pt-BR"})
	e.post("/send", map[string]any{"user": 1001, "text": "olá"})
	var got []string
	for _, u := range e.updates() {
		got = append(got, u.Message.Text+"/"+u.Message.From.LanguageCode)
	}
	if want := "hola/es olá/pt-BR"; strings.Join(got, " ") != want {
		t.Errorf("updates = %q, want %q", got, want)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path string
		body       any
		want       string // in the error
	}{
		{"user zero", "/send", map[string]any{"user": 0, "text": "hola"}, "user"},
		{"negative user", "/send", map[string]any{"user": -5, "text": "hola"}, "user"},
		{"user as text", "/send", []byte(`{"user":"1001","text":"hola"}`), "bad JSON"},
		{"user beyond JavaScript's integers", "/send", map[string]any{"user": int64(1) << 54, "text": "hola"}, "user"},
		{"empty text", "/send", map[string]any{"user": 1001, "text": "  "}, "empty"},
		{"text too long", "/send", map[string]any{"user": 1001, "text": strings.Repeat("a", 4097)}, "4096"},
		{"emoji over the limit in UTF-16", "/send", map[string]any{"user": 1001, "text": strings.Repeat("🙂", 2049)}, "4096"},
		{"unknown field", "/send", map[string]any{"user": 1001, "text": "hola", "chat": 1}, "unknown field"},
		{"not JSON", "/send", []byte(`user=1001&text=hola`), "bad JSON"},
		{"two values", "/send", []byte(`{"user":1001,"text":"a"}{}`), "more than one"},
		{"data too long", "/tap", map[string]any{"user": 1001, "message_id": 1, "data": strings.Repeat("x", 65)}, "64 bytes"},
		{"no data", "/tap", map[string]any{"user": 1001, "message_id": 1, "data": ""}, "64 bytes"},
		{"no message", "/tap", map[string]any{"user": 1001, "data": "x"}, "message_id"},
		{"bad language", "/persona", map[string]any{"user": 1001, "language": "pt_BR<script>"}, "language"},
		{"no language", "/persona", map[string]any{"user": 1001}, "language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := e.post(tt.path, tt.body)
			msg, _ := got["error"].(string)
			if code != http.StatusBadRequest || got["ok"] != false || !strings.Contains(msg, tt.want) {
				t.Errorf("POST %s = %d %v, want 400 with an error about %q", tt.path, code, got, tt.want)
			}
		})
	}
	if n := e.srv.CallCount(""); n != 0 {
		t.Errorf("bad input reached the fake server: %d calls", n)
	}

	for _, path := range []string{"/chat", "/chat?user=abc", "/chat?user=-1", "/events?user=0",
		"/file?user=1001&message=1&kind=video", "/file?user=1001&message=x&kind=photo"} {
		var got map[string]any
		if code := e.get(path, &got); code != http.StatusBadRequest || got["ok"] != false {
			t.Errorf("GET %s = %d %v, want 400 with ok false", path, code, got)
		}
	}

	res, err := http.Post(e.web.URL+"/send", "text/plain", strings.NewReader(`{"user":1001,"text":"hola"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeBody(t, res); res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST /send as text/plain = %d %v, want 400 (a cross-site form must not post)", res.StatusCode, got)
	}
}

// A file the citizen attaches reaches the bot as a Telegram document and
// shows on the citizen's side of the chat under its name.
func TestDocument(t *testing.T) {
	e := newEnv(t)
	e.post("/persona", map[string]any{"user": adminID, "language": "es"})
	content := "slug: demo\ntitle: {es: Demo}\n"
	code, got := e.postForm("/document", formPart{name: "user", content: "42"},
		formPart{name: "file", fileName: "consulta.yaml", content: content})
	if code != http.StatusOK || got["ok"] != true {
		t.Fatalf("POST /document = %d %v, want 200", code, got)
	}

	ups := e.updates()
	if len(ups) != 1 || ups[0].Message == nil || ups[0].Message.Document == nil {
		t.Fatalf("updates = %+v, want one message with a document", ups)
	}
	m := ups[0].Message
	if doc := m.Document; doc.FileName != "consulta.yaml" || doc.MimeType != "application/x-yaml" ||
		doc.FileSize != int64(len(content)) || m.From.ID != adminID || m.From.LanguageCode != "es" {
		t.Errorf("the bot gets %+v from %+v, want consulta.yaml, application/x-yaml, %d bytes, from %d in es",
			doc, m.From, len(content), adminID)
	}
	if got, want := got["update_id"], float64(ups[0].ID); got != want {
		t.Errorf("update_id = %v, want %v", got, want)
	}

	var st chatState
	e.get("/chat?user=42", &st)
	if len(st.Messages) != 1 || st.Messages[0].FromBot || st.Messages[0].Document == nil ||
		st.Messages[0].Document.Name != "consulta.yaml" {
		t.Fatalf("chat = %+v, want the citizen's document consulta.yaml", st.Messages)
	}
	res, err := http.Get(e.web.URL + "/" + st.Messages[0].Document.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != content {
		t.Errorf("GET the citizen's document = %d %q, want 200 %q", res.StatusCode, body, content)
	}
}

func TestDocumentBadInput(t *testing.T) {
	e := newEnv(t)
	user := formPart{name: "user", content: "1001"}
	file := func(name string, size int) formPart {
		return formPart{name: "file", fileName: name, content: strings.Repeat("a", size)}
	}
	tests := []struct {
		name  string
		parts []formPart
		want  string // in the error
	}{
		{"file over 2 MB", []formPart{user, file("big.yaml", 2<<20+1)}, "2 MB"},
		{"body far over 2 MB", []formPart{user, file("huge.yaml", 3<<20)}, "2 MB"},
		{"user zero", []formPart{{name: "user", content: "0"}, file("a.yaml", 10)}, "user"},
		{"negative user", []formPart{{name: "user", content: "-5"}, file("a.yaml", 10)}, "user"},
		{"user as text", []formPart{{name: "user", content: "ana"}, file("a.yaml", 10)}, "user"},
		{"user beyond JavaScript's integers", []formPart{{name: "user", content: "18014398509481984"}, file("a.yaml", 10)}, "user"},
		{"no user", []formPart{file("a.yaml", 10)}, "user"},
		{"no file", []formPart{user}, "file is missing"},
		{"file without a name", []formPart{user, {name: "file", content: "slug: x"}}, "file with a name"},
		{"empty file", []formPart{user, file("a.yaml", 0)}, "empty"},
		{"two files", []formPart{user, file("a.yaml", 10), file("b.yaml", 10)}, "twice"},
		{"unknown field", []formPart{user, file("a.yaml", 10), {name: "caption", content: "hola"}}, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := e.postForm("/document", tt.parts...)
			msg, _ := got["error"].(string)
			if code != http.StatusBadRequest || got["ok"] != false || !strings.Contains(msg, tt.want) {
				t.Errorf("POST /document = %d %v, want 400 with an error about %q", code, got, tt.want)
			}
		})
	}
	if code, got := e.post("/document", map[string]any{"user": 1001, "file": "slug: x"}); code != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(got["error"]), "multipart/form-data") {
		t.Errorf("POST /document as JSON = %d %v, want 400 asking for multipart/form-data", code, got)
	}

	// A form on another site could post multipart; the browser says so.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("user", "1001")
	w, _ := mw.CreateFormFile("file", "a.yaml")
	io.WriteString(w, "slug: x\n")
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, e.web.URL+"/document", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /document = %d, want 403", res.StatusCode)
	}

	if ups := e.updates(); len(ups) != 0 {
		t.Errorf("bad input reached the bot: %+v", ups)
	}
}

func TestFiles(t *testing.T) {
	e := newEnv(t)
	e.post("/persona", map[string]any{"user": 1001, "language": "es"})
	ctx := e.ctx()
	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 2, 2))
	pic.Set(0, 0, color.RGBA{R: 255, A: 255})
	png.Encode(&img, pic)
	photo, err := e.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: 1001, Caption: "Gráfico",
		Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(img.Bytes())}})
	if err != nil {
		t.Fatal(err)
	}
	csv := "participant,satisfaction\n9c1e,4\n"
	doc, err := e.bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 1001,
		Document: &models.InputFileUpload{Filename: "respuestas año.csv", Data: strings.NewReader(csv)}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 1001,
		Document: &models.InputFileUpload{Filename: "page.html", Data: strings.NewReader("<script>alert(1)</script>")}})
	if err != nil {
		t.Fatal(err)
	}

	var st chatState
	e.get("/chat?user=1001", &st)
	if len(st.Messages) != 3 || st.Messages[0].Photo == nil || st.Messages[1].Document == nil {
		t.Fatalf("chat = %+v, want a photo and two documents", st.Messages)
	}
	if got := string(st.Messages[1].Content); got != "[]" {
		t.Errorf("content of a document without caption = %s, want []", got)
	}
	if got, want := st.Messages[1].Document.Name, "respuestas año.csv"; got != want {
		t.Errorf("document name = %q, want %q", got, want)
	}

	tests := []struct {
		name, url, ctype, disposition, body string
	}{
		{"photo", st.Messages[0].Photo.URL, "image/png", "inline", img.String()},
		{"document", fmt.Sprintf("file?user=1001&message=%d&kind=document", doc.ID), "text/csv; charset=utf-8",
			`attachment; filename*=utf-8''respuestas%20a%C3%B1o.csv`, csv},
		{"HTML document downloads", fmt.Sprintf("file?user=1001&message=%d&kind=document", page.ID), "text/html; charset=utf-8",
			`attachment; filename=page.html`, "<script>alert(1)</script>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := http.Get(e.web.URL + "/" + tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || string(body) != tt.body {
				t.Fatalf("GET %s = %d %q, want 200 %q", tt.url, res.StatusCode, body, tt.body)
			}
			if got := res.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := res.Header.Get("Content-Disposition"); !strings.HasPrefix(got, tt.disposition) {
				t.Errorf("Content-Disposition = %q, want %q", got, tt.disposition)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
		})
	}

	var missing map[string]any
	if code := e.get(fmt.Sprintf("/file?user=1001&message=%d&kind=document", photo.ID), &missing); code != http.StatusNotFound {
		t.Errorf("document of a photo message = %d %v, want 404", code, missing)
	}
}

func TestPage(t *testing.T) {
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	web := httptest.NewServer(sandbox.New(srv, sandbox.Options{AdminID: 42, BotName: `Ñandú "<b>"`}))
	t.Cleanup(web.Close)

	res, err := http.Get(web.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{`data-bot-name="Ñandú &#34;&lt;b&gt;&#34;"`, `data-admin-id="42"`, `aria-hidden="true">Ñ</div>`,
		`<script src="static/app.js" defer>`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("page lacks %s", want)
		}
	}
	if bytes.Contains(body, []byte("<b>")) {
		t.Error("the bot name is in the page unescaped")
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q, want scripts from the page's own origin only", csp)
	}
	for _, asset := range []string{"/static/app.js", "/static/style.css", "/static/icon.svg"} {
		res, err := http.Get(web.URL + asset)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", asset, res.StatusCode)
		}
	}
}
