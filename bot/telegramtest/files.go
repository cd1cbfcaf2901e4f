package telegramtest

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// maxGetFileSize is the largest file a bot may download with getFile, as
// in Telegram (20 MB).
const maxGetFileSize = 20 << 20

func init() {
	register("getFile", (*Server).getFile, true)
}

// documentMIME is the mime_type Telegram reports for a document with the
// file name: by extension, as the citizen's app would say.
func documentMIME(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".yaml", ".yml":
		return "application/x-yaml"
	}
	t := mime.TypeByExtension(ext)
	if t == "" {
		return "application/octet-stream"
	}
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// SendDocument queues a message from the citizen carrying a file, as when
// they attach one in the Telegram app, and returns its update_id. The bot
// sees a Document with a file_id it can pass to getFile, the file name, a
// mime_type guessed from the name and the size.
func (u *User) SendDocument(name string, data []byte) int64 {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	f := File{Name: name, Data: bytes.Clone(data)}
	id, unique := s.storeFile(f, "BQACAgIAAxkBAAI")
	m := &storedMessage{
		Message: Message{ID: c.nextID, Document: &f},
		from:    u.model(),
		date:    int(s.now().Unix()),
		document: &models.Document{
			FileID: id, FileUniqueID: unique, FileName: name,
			MimeType: documentMIME(name), FileSize: int64(len(data)),
		},
	}
	c.nextID++
	c.msgs = append(c.msgs, m)
	if c.replyKbd != nil && c.replyKbd.OneTimeKeyboard {
		c.replyKbd = nil
	}
	s.emit(c.id, EventNew, m)
	return s.push(&models.Update{Message: s.messageModel(c, m)}, false)
}

// SendDocumentWait sends a document and waits until the bot has confirmed
// the update.
func (u *User) SendDocumentWait(ctx context.Context, name string, data []byte) error {
	return u.s.WaitConfirmed(ctx, u.SendDocument(name, data))
}

// filePath is the file_path getFile gives for a file_id: the file_id in a
// folder by kind, with the file's extension, so that the download needs no
// other record.
func filePath(fileID string, f File) string {
	dir := "documents"
	if strings.HasPrefix(fileID, "AgACAgIAAxkBAAI") {
		dir = "photos"
	}
	ext := strings.ToLower(path.Ext(f.Name))
	if strings.ContainsFunc(ext[min(1, len(ext)):], func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) {
		ext = ""
	}
	return dir + "/" + fileID + ext
}

// getFile prepares a file for download, as Telegram does: the answer's
// file_path goes into /file/bot<token>/<file_path>.
func (s *Server) getFile(r *request) (any, *apiError) {
	id := strings.TrimSpace(r.params["file_id"])
	if id == "" {
		return nil, badRequest("there is no file_id in the request")
	}
	f, ok := s.files[id]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	if len(f.Data) > maxGetFileSize {
		return nil, badRequest("file is too big")
	}
	return &models.File{FileID: id, FileUniqueID: "AgAD-" + id, FileSize: int64(len(f.Data)), FilePath: filePath(id, f)}, nil
}

// serveFile answers a download at /file/bot<token>/<file_path> with the
// file's bytes, or Telegram's 404 (unknown file) and 401 (wrong token).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest, _ := strings.CutPrefix(r.URL.Path, "/file/bot")
	tok, p, ok := strings.Cut(rest, "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, &apiError{Code: http.StatusMethodNotAllowed, Description: "Method Not Allowed"})
		return
	}
	if !ok || tok != token {
		writeError(w, &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	base := path.Base(p)
	id := strings.TrimSuffix(base, path.Ext(base))
	s.mu.Lock()
	f, known := s.files[id]
	s.mu.Unlock()
	if !known || filePath(id, f) != p {
		writeError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
}
