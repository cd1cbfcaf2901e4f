package sandbox

import (
	"bytes"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// notFound is a missing message or file; it is answered with 404.
type notFound string

func (e notFound) Error() string { return string(e) }

// file serves a photo (inline, when it is an image) or a document (always
// as a download) in the chat, the bot's or the citizen's own. A file the bot gave by URL, which the fake
// server did not fetch, is a redirect to that URL.
func (h *handler) file(w http.ResponseWriter, r *http.Request) {
	u, err := h.userParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	id, err := strconv.Atoi(q.Get("message"))
	if err != nil || id <= 0 {
		writeError(w, badInput("message must be a positive message id"))
		return
	}
	kind := q.Get("kind")
	if kind != "photo" && kind != "document" {
		writeError(w, badInput(`kind must be "photo" or "document"`))
		return
	}
	f := findFile(u, id, kind)
	if f == nil {
		writeError(w, notFound("message "+strconv.Itoa(id)+" has no "+kind))
		return
	}
	if f.Data == nil {
		if link := safeURL(f.Ref); strings.HasPrefix(link, "http") {
			http.Redirect(w, r, link, http.StatusFound)
			return
		}
		writeError(w, notFound("the bot sent this "+kind+" by reference; it has no content here"))
		return
	}
	ctype, disposition := fileHeaders(kind, f)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", disposition)
	// A document is never a page of this site, whatever it contains.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
}

// findFile returns the photo or document of message id, or nil.
func findFile(u *telegramtest.User, id int, kind string) *telegramtest.File {
	for _, m := range u.Messages() {
		if m.ID != id {
			continue
		}
		if kind == "photo" {
			return m.Photo
		}
		return m.Document
	}
	return nil
}

// imageTypes are the photo formats a browser may show inline.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// fileHeaders are the Content-Type and Content-Disposition of f: a photo is
// shown inline when its bytes are an image; anything else is a download
// under its own name.
func fileHeaders(kind string, f *telegramtest.File) (ctype, disposition string) {
	name := filepath.Base(f.Name)
	if name == "." || name == "/" {
		name = kind
	}
	sniffed := http.DetectContentType(f.Data)
	if kind == "photo" && imageTypes[sniffed] {
		return sniffed, contentDisposition("inline", name)
	}
	ctype = mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = sniffed
	}
	return ctype, contentDisposition("attachment", name)
}

// contentDisposition formats a Content-Disposition with the file name,
// encoded as RFC 2231 says when it is not plain ASCII.
func contentDisposition(disposition, name string) string {
	if v := mime.FormatMediaType(disposition, map[string]string{"filename": name}); v != "" {
		return v
	}
	return disposition
}
