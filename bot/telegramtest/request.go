package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxUpload bounds a request body; Telegram's own limit for bots is 50 MB.
const maxUpload = 50 << 20

// request is a parsed Bot API call.
type request struct {
	ctx    context.Context
	params map[string]string
	files  map[string]File
}

// parseRequest reads the query string and a multipart/form-data, URL-encoded
// or JSON body into flat string parameters, as Telegram accepts them.
func parseRequest(r *http.Request) (*request, *apiError) {
	req := &request{ctx: r.Context(), params: map[string]string{}, files: map[string]File{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			req.params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpload+1))
	if err != nil {
		return nil, badRequest("can't read request body: %v", err)
	}
	if len(body) > maxUpload {
		return nil, &apiError{Code: http.StatusRequestEntityTooLarge, Description: "Request Entity Too Large"}
	}
	if aerr := req.parseBody(r.Header.Get("Content-Type"), body); aerr != nil {
		return nil, aerr
	}
	return req, nil
}

// parseBody adds the parameters of a request body of the given
// Content-Type to req.
func (req *request) parseBody(contentType string, body []byte) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		// The client sends an empty multipart body for methods without
		// parameters (getMe, getWebhookInfo).
		return nil
	}
	mediaType, mparams, _ := mime.ParseMediaType(contentType)
	switch mediaType {
	case "multipart/form-data":
		if err := parseMultipart(req, body, mparams["boundary"]); err != nil {
			return badRequest("can't parse multipart/form-data: %v", err)
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return badRequest("can't parse form: %v", err)
		}
		for k, v := range form {
			if len(v) > 0 {
				req.params[k] = v[0]
			}
		}
	case "application/json":
		if err := parseJSON(req, body); err != nil {
			return badRequest("can't parse JSON request: %v", err)
		}
	default:
		return badRequest("unsupported Content-Type %q", mediaType)
	}
	return nil
}

func parseMultipart(req *request, body []byte, boundary string) error {
	if boundary == "" {
		return errors.New("no boundary")
	}
	// Part by part rather than with ReadForm, which sorts every part into
	// maps of slices and weighs temporary files: this is the fake's
	// busiest path under load.
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	seen := map[string]bool{} // a field's first part counts, as in ReadForm
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := part.FormName()
		data, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if file := part.FileName(); file != "" {
			req.files[name] = File{Name: file, Data: data}
		} else {
			req.params[name] = string(data)
		}
	}
}

// parseJSON flattens a JSON object: strings keep their value, anything else
// becomes its compact JSON text (as reply_markup is sent in a form).
func parseJSON(req *request, body []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return err
	}
	for k, raw := range obj {
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			req.params[k] = s
			continue
		}
		if string(raw) == "null" {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return err
		}
		req.params[k] = buf.String()
	}
	return nil
}

// has reports whether the request carries the parameter.
func (r *request) has(name string) bool {
	_, ok := r.params[name]
	return ok
}

// str returns a parameter checked to be valid UTF-8.
func (r *request) str(name string) (string, *apiError) {
	v := r.params[name]
	if !utf8.ValidString(v) {
		return "", badRequest("strings must be encoded in UTF-8")
	}
	return v, nil
}

// int64Param parses an integer parameter; missing or empty gives 0.
func (r *request) int64Param(name string) (int64, *apiError) {
	v := strings.TrimSpace(r.params[name])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s specified", name)
	}
	return n, nil
}

// boolParam parses a boolean parameter the way Telegram does ("true", "1").
func (r *request) boolParam(name string) bool {
	switch strings.ToLower(strings.TrimSpace(r.params[name])) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}
