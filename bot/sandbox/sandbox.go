package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// Options configure the web chat.
type Options struct {
	// AdminID is the clerk persona's Telegram user id, one of the bot's
	// admins. With 0 the page offers only citizens.
	AdminID int64
	// BotName is shown in the header, e.g. "parlabot"; "parlabot" when empty.
	BotName string
}

//go:embed static
var static embed.FS

// page is the chat page, with the options filled in.
var page = template.Must(template.ParseFS(static, "static/index.html"))

// handler serves the page and its API over a fake Telegram server.
type handler struct {
	srv   *telegramtest.Server
	index []byte
	mux   *http.ServeMux
}

// New returns the web chat for srv: the page and the API it calls, at the
// root of the returned handler. The bot must be running against srv. Event
// streams end when srv is closed, so close srv before shutting the HTTP
// server down gracefully.
func New(srv *telegramtest.Server, opts Options) http.Handler {
	if opts.BotName == "" {
		opts.BotName = "parlabot"
	}
	h := &handler{srv: srv, mux: http.NewServeMux()}
	var buf bytes.Buffer
	initial, _ := utf8.DecodeRuneInString(opts.BotName)
	err := page.Execute(&buf, map[string]string{
		"BotName": opts.BotName,
		"Initial": strings.ToUpper(string(initial)),
		"AdminID": strconv.FormatInt(max(opts.AdminID, 0), 10),
	})
	if err != nil {
		panic("sandbox: render page: " + err.Error()) // the template is embedded and fixed
	}
	h.index = buf.Bytes()

	assets, _ := fs.Sub(static, "static")
	h.mux.HandleFunc("GET /{$}", h.serveIndex)
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(assets)))
	h.mux.HandleFunc("GET /chat", h.chat)
	h.mux.HandleFunc("GET /events", h.events)
	h.mux.HandleFunc("GET /file", h.file)
	h.mux.HandleFunc("POST /send", h.send)
	h.mux.HandleFunc("POST /tap", h.tap)
	h.mux.HandleFunc("POST /document", h.document)
	h.mux.HandleFunc("POST /persona", h.persona)
	return http.NewCrossOriginProtection().Handler(h)
}

// contentSecurityPolicy lets the page run only its own script and style;
// photos may come from the bot's URLs.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: http: https:; connect-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// ServeHTTP sets headers that hold for every answer and routes the request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-cache")
	h.mux.ServeHTTP(w, r)
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(h.index)
}
