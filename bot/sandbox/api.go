package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// Limits on what the page may send, Telegram's where Telegram has one.
const (
	maxTextLen  = 4096     // UTF-16 units in a message, as Telegram counts
	maxDataLen  = 64       // bytes of callback_data
	maxBodySize = 64 << 10 // bytes of a request body
	maxUserID   = 1<<53 - 1
	// maxDocumentSize is the largest file the citizen may send. Telegram
	// takes far bigger ones; a consultation file is a few kilobytes.
	maxDocumentSize = 2 << 20
)

// languageCode is an IETF language tag as Telegram apps report it.
var languageCode = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// badInput is an error the client can fix; it is answered with 400.
type badInput string

func (e badInput) Error() string { return string(e) }

// chatState is the answer to GET /chat: the whole chat as the citizen sees it.
type chatState struct {
	OK       bool      `json:"ok"`
	User     int64     `json:"user"`
	Language string    `json:"language"`
	Messages []message `json:"messages"`
	Commands []command `json:"commands"`
}

// command is an entry of the bot's command menu.
type command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// chat answers the whole chat, both sides, and the command menu.
func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	u, err := h.userParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	st := chatState{OK: true, User: u.ID(), Language: u.LanguageCode(), Messages: []message{}, Commands: []command{}}
	for _, m := range u.Messages() {
		st.Messages = append(st.Messages, view(u, m))
	}
	for _, c := range u.Commands() {
		st.Commands = append(st.Commands, command{Command: c.Command, Description: c.Description})
	}
	writeJSON(w, http.StatusOK, st)
}

// send posts a text message (or command) from the citizen.
func (h *handler) send(w http.ResponseWriter, r *http.Request) {
	var req struct {
		citizenRequest
		Text string `json:"text"`
	}
	u, err := h.decodeCitizen(w, r, &req)
	if err == nil {
		err = checkText(req.Text)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "update_id": u.Send(req.Text)})
}

// tap posts the citizen's tap on an inline button.
func (h *handler) tap(w http.ResponseWriter, r *http.Request) {
	var req struct {
		citizenRequest
		MessageID int    `json:"message_id"`
		Data      string `json:"data"`
	}
	u, err := h.decodeCitizen(w, r, &req)
	switch {
	case err != nil:
	case req.MessageID <= 0:
		err = badInput("message_id must be a positive message id")
	case req.Data == "" || len(req.Data) > maxDataLen:
		err = badInput(fmt.Sprintf("data must be 1 to %d bytes, as Telegram's callback_data", maxDataLen))
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "update_id": u.TapData(req.MessageID, req.Data)})
}

// errDocumentTooBig answers a file over maxDocumentSize.
var errDocumentTooBig = badInput(fmt.Sprintf("file is larger than %d MB, the sandbox's limit", maxDocumentSize>>20))

// document posts a file from the citizen, as when they attach one in the
// Telegram app. The body is multipart/form-data with the fields user and
// file, as a browser's FormData sends it.
func (h *handler) document(w http.ResponseWriter, r *http.Request) {
	u, name, data, err := h.decodeDocument(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "update_id": u.SendDocument(name, data)})
}

// decodeDocument reads the form of POST /document: the citizen who sends,
// and the file's name and bytes.
func (h *handler) decodeDocument(w http.ResponseWriter, r *http.Request) (u *telegramtest.User, name string, data []byte, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxDocumentSize+maxBodySize)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", nil, badInput("the body must be multipart/form-data with the fields user and file")
	}
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, multipartError(err)
		}
		field := p.FormName()
		if seen[field] {
			return nil, "", nil, badInput(fmt.Sprintf("field %q is given twice", field))
		}
		seen[field] = true
		switch field {
		case "user":
			v, err := io.ReadAll(io.LimitReader(p, 32))
			if err != nil {
				return nil, "", nil, multipartError(err)
			}
			id, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
			if err != nil {
				return nil, "", nil, badInput("user must be a positive Telegram user id")
			}
			if u, err = h.citizen(id); err != nil {
				return nil, "", nil, err
			}
		case "file":
			if name, data, err = readDocument(p); err != nil {
				return nil, "", nil, err
			}
		default:
			return nil, "", nil, badInput(fmt.Sprintf("unknown field %q; the fields are user and file", field))
		}
	}
	switch {
	case u == nil:
		return nil, "", nil, badInput("user must be a positive Telegram user id")
	case !seen["file"]:
		return nil, "", nil, badInput("file is missing")
	}
	return u, name, data, nil
}

// readDocument reads the file of a form, refusing what Telegram's apps
// would not send: no name, no bytes, or over maxDocumentSize.
func readDocument(p *multipart.Part) (name string, data []byte, err error) {
	name = p.FileName()
	switch {
	case name == "" || name == "." || name == "/":
		return "", nil, badInput("file must be a file with a name")
	case !utf8.ValidString(name):
		return "", nil, badInput("the file name must be UTF-8")
	}
	data, err = io.ReadAll(io.LimitReader(p, maxDocumentSize+1))
	switch {
	case err != nil:
		return "", nil, multipartError(err)
	case len(data) > maxDocumentSize:
		return "", nil, errDocumentTooBig
	case len(data) == 0:
		return "", nil, badInput("file is empty")
	}
	return name, data, nil
}

// multipartError is the answer to a form that cannot be read: too big, or
// not well formed.
func multipartError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errDocumentTooBig
	}
	return badInput("bad multipart body: " + err.Error())
}

// persona sets the language the citizen's later updates carry, as when
// they switch their Telegram app's language.
func (h *handler) persona(w http.ResponseWriter, r *http.Request) {
	var req struct {
		citizenRequest
		Language string `json:"language"`
	}
	u, err := h.decodeCitizen(w, r, &req)
	if err == nil && (len(req.Language) > 35 || !languageCode.MatchString(req.Language)) {
		err = badInput(fmt.Sprintf("language %q is not a language code such as es, pt-BR, en or fr", req.Language))
	}
	if err != nil {
		writeError(w, err)
		return
	}
	u.SetLanguage(req.Language)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": u.ID(), "language": u.LanguageCode()})
}

// citizenRequest is what every action's body has: who acts.
type citizenRequest struct {
	User int64 `json:"user"`
}

func (c citizenRequest) userID() int64 { return c.User }

// decodeCitizen decodes a JSON action into req and returns the citizen who
// acts.
func (h *handler) decodeCitizen(w http.ResponseWriter, r *http.Request, req interface{ userID() int64 }) (*telegramtest.User, error) {
	if err := decode(w, r, req); err != nil {
		return nil, err
	}
	return h.citizen(req.userID())
}

// checkText refuses a message Telegram would not deliver.
func checkText(text string) error {
	switch {
	case !utf8.ValidString(text):
		return badInput("text must be UTF-8")
	case strings.TrimSpace(text) == "":
		return badInput("text is empty")
	case len(utf16.Encode([]rune(text))) > maxTextLen:
		return badInput(fmt.Sprintf("text is longer than %d characters, Telegram's limit", maxTextLen))
	}
	return nil
}

// citizen returns the citizen with id, after checking it is a Telegram user
// id. A new citizen starts with no language code, until /persona sets one.
func (h *handler) citizen(id int64) (*telegramtest.User, error) {
	if id <= 0 || id > maxUserID {
		return nil, badInput("user must be a positive Telegram user id")
	}
	return h.srv.User(id, ""), nil
}

// userParam is the citizen named by the user query parameter.
func (h *handler) userParam(r *http.Request) (*telegramtest.User, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
	if err != nil {
		return nil, badInput("user must be a positive Telegram user id")
	}
	return h.citizen(id)
}

// decode reads a JSON request body into v, refusing anything else.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return badInput("the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badInput("bad JSON body: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return badInput("bad JSON body: more than one value")
	}
	return nil
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers err as {"ok":false,"error":…}: 400 for bad input, 404
// for a missing file, 500 otherwise.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var bad badInput
	var missing notFound
	switch {
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	case errors.As(err, &missing):
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]any{"ok": false, "error": err.Error()})
}
