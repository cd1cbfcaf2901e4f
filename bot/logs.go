package bot

import (
	"context"
	"log/slog"
	"strings"
)

// What the bot logs. Logs are for operators and may be kept and shipped
// anywhere, so they carry ids (update ids, broadcast ids, consultation
// slugs), counts and errors, never what a person wrote, nor their name or
// username, nor the name of a file they sent; the errors logged are built
// so that none of those ends up in them. The bot's token is scrubbed from
// every record: errors from HTTP calls carry the request's URL, and the
// Bot API puts the token in its path.

// redactToken wraps h so that the token never reaches the log.
func redactToken(h slog.Handler, token string) slog.Handler {
	if token == "" {
		return h
	}
	return &redactingHandler{inner: h, token: token}
}

// redactingHandler replaces the token with "<token>" in a record's message
// and attributes (strings, errors, and groups of them).
type redactingHandler struct {
	inner slog.Handler
	token string
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &redactingHandler{inner: h.inner.WithAttrs(clean), token: h.token}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{inner: h.inner.WithGroup(name), token: h.token}
}

func (h *redactingHandler) scrub(s string) string {
	return strings.ReplaceAll(s, h.token, "<token>")
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); strings.Contains(s, h.token) {
			return slog.String(a.Key, h.scrub(s))
		}
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); strings.Contains(s, h.token) {
				return slog.String(a.Key, h.scrub(s))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
