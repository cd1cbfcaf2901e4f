package bot

import (
	"bytes"
	"io"
	"net/http"
)

// maxIdleConns is how many idle connections to Telegram the bot keeps:
// every worker may be calling Telegram at once, and a busy bot should
// reuse its connections rather than open (and with TLS, negotiate) a new
// one for most calls, as net/http's default of two would have it.
const maxIdleConns = 128

// wholeBodyLimit is the largest request body wholeBody sends in one piece.
const wholeBodyLimit = 256 << 10

// wholeBody sends each call's body in one piece. go-telegram/bot streams
// its multipart forms through a pipe, which net/http sends chunked, one
// write (a system call on each side) for every field; a call is a dozen
// of them. Bodies up to wholeBodyLimit are read first and sent with their
// length; bigger ones (documents) are streamed as they come.
type wholeBody struct{ next http.RoundTripper }

func (w wholeBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return w.next.RoundTrip(req)
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, wholeBodyLimit+1))
	if err != nil {
		req.Body.Close()
		return nil, err
	}
	r := req.Clone(req.Context())
	if len(data) <= wholeBodyLimit {
		req.Body.Close()
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		return w.next.RoundTrip(r)
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), req.Body), req.Body}
	return w.next.RoundTrip(r)
}
