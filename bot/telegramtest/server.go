package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

const (
	// botID is the id of the fake bot, and the prefix of its token.
	botID = 123456
	// token is the only token the fake accepts.
	token = "123456:TEST"
	// botUsername is the fake bot's @username.
	botUsername = "parlabot_test_bot"
)

// ErrClosed is returned by waits that were interrupted by Server.Close.
var ErrClosed = errors.New("telegramtest: server closed")

// Server is a fake Telegram Bot API. Create it with New and stop it with
// Close; its methods may be called from any goroutine.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex
	done    chan struct{} // closed by Close
	changed chan struct{} // closed and replaced on every change of the update queue
	now     func() time.Time

	calls  []Call
	faults map[string]*fault

	// update queue (updates.go)
	queue      []*queuedUpdate
	pending    map[int64]int // unconfirmed queue entries per update_id
	lastUpdate int64         // highest update_id issued or pushed
	pollCancel chan struct{} // closed to end the current long poll with 409

	// chats (chat.go) and callback queries awaiting an answer
	users     map[int64]*User
	chats     map[int64]*chat
	callbacks map[string]*callbackQuery
	nextQuery int64

	files    map[string]File // uploaded files by file_id (media.go)
	nextFile int64

	commands map[string][]models.BotCommand // by commandKey (commands.go)

	webhook    webhook        // (webhook.go)
	hooks      sync.WaitGroup // webhook deliverers and their requests
	deliveries []Delivery

	subs    map[int]*subscriber // (events.go)
	nextSub int

	observers    map[int]*Observer // (observe.go)
	nextObserver int
	noRecord     bool // RecordCalls(false): calls and deliveries are not kept
}

// New starts a fake Telegram Bot API server on a local port. Call Close when
// done.
func New() *Server {
	s := &Server{
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		now:       time.Now,
		faults:    make(map[string]*fault),
		pending:   make(map[int64]int),
		users:     make(map[int64]*User),
		chats:     make(map[int64]*chat),
		callbacks: make(map[string]*callbackQuery),
		files:     make(map[string]File),
		commands:  make(map[string][]models.BotCommand),
		subs:      make(map[int]*subscriber),
		observers: make(map[int]*Observer),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close ends pending long polls and waits, closes subscriber channels and
// shuts the HTTP server down. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	close(s.done)
	for id, sub := range s.subs {
		close(sub.ch)
		delete(s.subs, id)
	}
	clear(s.observers)
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.hooks.Wait()
}

// URL is the base URL to give the client: bot.WithServerURL(s.URL()).
func (s *Server) URL() string { return s.srv.URL }

// Token is the bot token the server accepts; any other answers 401.
func (s *Server) Token() string { return token }

// BotUser is the bot's own account, as getMe returns it.
func (s *Server) BotUser() models.User {
	return models.User{
		ID:                      botID,
		IsBot:                   true,
		FirstName:               "Parlabot Test",
		Username:                botUsername,
		CanJoinGroups:           true,
		CanReadAllGroupMessages: false,
		SupportInlineQueries:    false,
	}
}

// SetNow replaces the clock used for message dates and call times, so tests
// control them. The default is time.Now.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Call is one request the bot made, as the server received it.
type Call struct {
	// Method is the Bot API method name in Telegram's spelling
	// ("sendMessage"), whatever case the request used.
	Method string
	// Params holds the request's fields; objects such as reply_markup are
	// JSON text, as the client sends them.
	Params map[string]string
	// Files holds the uploaded files by form field name.
	Files map[string]File
	// At is when the server received the call.
	At time.Time
	// Code is the error_code answered, 200 on success, or 0 when the
	// call went unanswered (Hang).
	Code int
	// Error is the description answered with an error ("Bad Request:
	// message is not modified: …"), or "" on success.
	Error string
	// WebhookReply is set for a call the bot made in its answer to a
	// webhook request, as Telegram allows, rather than as a request of its
	// own; nobody sees that call's answer.
	WebhookReply bool
}

// File is a file the bot sent: uploaded bytes, or a reference (file_id or
// URL) when the bot sent no bytes.
type File struct {
	// Name is the upload's file name.
	Name string
	// Data is the uploaded content; nil for a URL the fake did not fetch.
	Data []byte
	// Ref is the file_id or URL the bot gave instead of uploading, if any.
	Ref string
}

// Calls returns the recorded calls to method in order (all calls when method
// is ""). The method name is matched case-insensitively, as Telegram does.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			c.Params = maps.Clone(c.Params)
			c.Files = maps.Clone(c.Files)
			out = append(out, c)
		}
	}
	return out
}

// CallCount is the number of recorded calls to method ("" counts all).
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			n++
		}
	}
	return n
}

// fault is a failure injected with Fail or Hang.
type fault struct {
	times      int
	code       int
	retryAfter int
	hang       bool // no answer at all (Hang)
}

// Fail makes the next times calls to method fail with the given error code
// without any effect: 429 answers "Too Many Requests: retry after N" with
// parameters.retry_after, 5xx answer "Internal Server Error" or "Bad Gateway",
// 403 answers "Forbidden: bot was blocked by the user". A later Fail for the
// same method replaces the earlier one; times <= 0 removes it.
func (s *Server) Fail(method string, times int, code int, retryAfter int) {
	s.setFault(method, times, &fault{times: times, code: code, retryAfter: retryAfter})
}

// Hang makes the next times calls to method go unanswered, without any
// effect, until the client gives up (its request's context ends or its
// connection closes), as when Telegram or the network stalls. Such calls are
// recorded with Code 0. Like Fail, it replaces an earlier fault for the
// method, and times <= 0 removes it.
func (s *Server) Hang(method string, times int) {
	s.setFault(method, times, &fault{times: times, hang: true})
}

// setFault puts f on method's next calls, or removes its fault when times
// is 0 or less.
func (s *Server) setFault(method string, times int, f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	if times <= 0 {
		delete(s.faults, key)
		return
	}
	s.faults[key] = f
}

// errHang is takeFault's answer for a call that is to go unanswered.
var errHang = &apiError{Code: 0, Description: "no answer"}

// takeFault returns the injected error for a call to method, if any, or
// errHang. s.mu must be held.
func (s *Server) takeFault(method string) *apiError {
	f := s.faults[strings.ToLower(method)]
	if f == nil {
		return nil
	}
	f.times--
	if f.times <= 0 {
		delete(s.faults, strings.ToLower(method))
	}
	if f.hang {
		return errHang
	}
	e := &apiError{Code: f.code, RetryAfter: f.retryAfter}
	switch f.code {
	case http.StatusTooManyRequests:
		e.Description = fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter)
	case http.StatusBadRequest:
		e.Description = "Bad Request"
	case http.StatusForbidden:
		e.Description = "Forbidden: bot was blocked by the user"
	default:
		e.Description = http.StatusText(f.code)
		if e.Description == "" {
			e.Description = "Error"
		}
	}
	return e
}

// apiError is a Bot API error answer.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Description) }

// badRequest builds a 400 answer; description is without the "Bad Request: "
// prefix.
func badRequest(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// forbidden builds a 403 answer; description is without the "Forbidden: "
// prefix.
func forbidden(description string) *apiError {
	return &apiError{Code: http.StatusForbidden, Description: "Forbidden: " + description}
}

// handlerFunc implements one Bot API method. It runs with s.mu held, except
// getUpdates which manages the lock itself.
type handlerFunc func(s *Server, r *request) (any, *apiError)

// method is a Bot API method the fake implements.
type method struct {
	name    string
	handler handlerFunc
	locked  bool // run with s.mu held
}

// methods maps lower-case method names to their implementation; Telegram's
// method names are case-insensitive.
var methods = map[string]method{}

func register(name string, h handlerFunc, locked bool) {
	methods[strings.ToLower(name)] = method{name: name, handler: h, locked: locked}
}

func init() {
	register("getMe", (*Server).getMe, true)
	register("getUpdates", (*Server).getUpdates, false)
	register("sendMessage", (*Server).sendMessage, true)
	register("editMessageText", (*Server).editMessageText, true)
	register("editMessageReplyMarkup", (*Server).editMessageReplyMarkup, true)
	register("editMessageCaption", (*Server).editMessageCaption, true)
	register("deleteMessage", (*Server).deleteMessage, true)
	register("answerCallbackQuery", (*Server).answerCallbackQuery, true)
	register("sendChatAction", (*Server).sendChatAction, true)
	register("sendDocument", (*Server).sendDocument, true)
	register("sendPhoto", (*Server).sendPhoto, true)
	register("setMyCommands", (*Server).setMyCommands, true)
	register("getMyCommands", (*Server).getMyCommands, true)
	register("deleteMyCommands", (*Server).deleteMyCommands, true)
	register("setWebhook", (*Server).setWebhook, true)
	register("deleteWebhook", (*Server).deleteWebhook, true)
	register("getWebhookInfo", (*Server).getWebhookInfo, true)
}

// serveHTTP routes /bot<token>/<method> requests and file downloads.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r) // downloads (files.go)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	tok, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		writeError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	if tok != token {
		writeError(w, &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	req, perr := parseRequest(r)
	body, aerr := s.invoke(name, req, perr, false)
	if aerr == errHang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// invoke runs the Bot API method name with req (or answers perr, the
// request's parse error), records the call with its outcome, and returns
// the answer's body or the error to answer. viaReply marks a call made in
// a webhook's response.
func (s *Server) invoke(name string, req *request, perr *apiError, viaReply bool) ([]byte, *apiError) {
	m, known := methods[strings.ToLower(name)]
	if known {
		name = m.name
	}
	s.mu.Lock()
	call := Call{Method: name, At: s.now(), Code: http.StatusOK, WebhookReply: viaReply}
	if req != nil {
		call.Params, call.Files = req.params, req.files
	}
	idx := -1 // where the call is recorded, if it is
	if !s.noRecord {
		s.calls = append(s.calls, call)
		idx = len(s.calls) - 1
	}
	aerr := perr
	if aerr == nil && !known {
		aerr = &apiError{Code: http.StatusNotFound, Description: "Not Found"}
	}
	if aerr == nil {
		aerr = s.takeFault(name)
	}
	var body []byte
	if aerr == nil && m.locked {
		// Marshal under the lock: results share slices with the chats.
		body, aerr = okBody(m.handler(s, req))
	}
	s.mu.Unlock()
	if aerr == nil && !m.locked {
		body, aerr = okBody(m.handler(s, req))
	}
	switch {
	case aerr == errHang:
		s.setCode(idx, 0, "")
	case aerr != nil:
		s.setCode(idx, aerr.Code, aerr.Description)
	}
	return body, aerr
}

// setCode records the code (and error description) answered to the
// idx-th call, if it was recorded (idx >= 0).
func (s *Server) setCode(idx, code int, desc string) {
	if idx < 0 {
		return
	}
	s.mu.Lock()
	s.calls[idx].Code, s.calls[idx].Error = code, desc
	s.mu.Unlock()
}

// okBody renders a successful answer {"ok":true,"result":...}.
func okBody(result any, aerr *apiError) ([]byte, *apiError) {
	if aerr != nil {
		return nil, aerr
	}
	if raw, ok := result.(json.RawMessage); ok {
		// A message, already in JSON (see messageJSON).
		body := make([]byte, 0, len(raw)+32)
		body = append(body, `{"ok":true,"result":`...)
		return append(append(body, raw...), '}'), nil
	}
	body, err := json.Marshal(struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}{true, result})
	if err != nil {
		return nil, &apiError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()}
	}
	return body, nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	resp := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{OK: false, ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter > 0 {
		resp.Parameters = &parameters{RetryAfter: e.RetryAfter}
	}
	body, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Code)
	_, _ = w.Write(body)
}

func (s *Server) getMe(*request) (any, *apiError) {
	u := s.BotUser()
	return &u, nil
}
