package bot

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

const (
	// DefaultListen is where the webhook server listens unless told.
	DefaultListen = ":8443"
	// WebhookSecretName is the database Secret the webhook's secret token
	// is made from when none is configured.
	WebhookSecretName = "webhook"
	// secretHeader carries the webhook's secret token in Telegram's requests.
	secretHeader = "X-Telegram-Bot-Api-Secret-Token"
	// maxWebhookBody bounds a webhook request; an update is a few KB.
	maxWebhookBody = 1 << 20
	// webhookConnections is how many requests Telegram may make at once.
	webhookConnections = 40
)

// secretToken is what Telegram accepts as a webhook's secret token.
var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ValidWebhookSecret reports whether Telegram accepts s as a webhook's
// secret token: 1 to 256 of A-Z a-z 0-9 _ -.
func ValidWebhookSecret(s string) bool { return secretToken.MatchString(s) }

// ValidWebhookURL reports whether raw can be where Telegram posts updates:
// an https URL with a host (or http, which only a local Bot API server or
// the sandbox's fake Telegram accepts).
func ValidWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// webhook is the intake when Telegram posts updates to the bot: where it
// listens, which path it serves, and the secret token that proves a request
// comes from Telegram.
type webhook struct {
	url    string
	path   string
	listen string
	ln     net.Listener
	token  string   // the secret token, given to Telegram
	digest [32]byte // its SHA-256, compared in constant time

	// locks serialise each sender's updates: Telegram posts different
	// chats' updates at once, and a citizen's must be handled in order.
	locks [64]sync.Mutex
}

// newWebhook checks the webhook settings and settles the secret token: the
// one configured, or one made from a random key kept in the database, so
// that it stays the same across restarts.
func newWebhook(ctx context.Context, cfg Config) (*webhook, error) {
	if !ValidWebhookURL(cfg.WebhookURL) {
		return nil, consultations.Errorf(consultations.EINVALID, "webhook URL %q: give the https URL Telegram should post updates to, such as https://bot.example.org/telegram", cfg.WebhookURL)
	}
	u, _ := url.Parse(cfg.WebhookURL)
	w := &webhook{url: cfg.WebhookURL, path: u.EscapedPath(), listen: cfg.Listen, ln: cfg.Listener, token: cfg.WebhookSecret}
	if w.path == "" {
		w.path = "/"
	}
	if w.listen == "" {
		w.listen = DefaultListen
	}
	if w.token == "" {
		key, err := cfg.Store.Secret(ctx, WebhookSecretName)
		if err != nil {
			return nil, fmt.Errorf("read webhook secret: %w", err)
		}
		w.token = base64.RawURLEncoding.EncodeToString(key)
	}
	if !ValidWebhookSecret(w.token) {
		return nil, consultations.Errorf(consultations.EINVALID, "webhook secret: use 1 to 256 letters, digits, _ or - (or leave it out to have one made and kept in the database)")
	}
	w.digest = sha256.Sum256([]byte(w.token))
	return w, nil
}

// authorised reports whether a request's secret token is the webhook's.
func (w *webhook) authorised(token string) bool {
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], w.digest[:]) == 1
}

// listener is the listener to serve on: the configured one, or a new one
// on the listen address.
func (w *webhook) listener() (net.Listener, error) {
	if w.ln != nil {
		return w.ln, nil
	}
	ln, err := net.Listen("tcp", w.listen)
	if err != nil {
		var se *net.OpError
		if errors.As(err, &se) {
			err = se.Err // the address is in the message already
		}
		return nil, consultations.Errorf(consultations.EINVALID, "cannot listen for the webhook on %s (%v); choose another address with --listen", w.listen, err)
	}
	return ln, nil
}

// serveWebhook has Telegram post updates to the webhook served on ln until
// ctx ends. Then it removes the webhook, so Telegram keeps new updates for
// later, finishes the updates in hand and returns.
func (b *Bot) serveWebhook(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           http.HandlerFunc(b.webhookRequest),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	params := &tgbot.SetWebhookParams{
		URL:            b.hook.url,
		SecretToken:    b.hook.token,
		MaxConnections: webhookConnections,
		AllowedUpdates: allowedUpdates,
	}
	err := b.retry(ctx, "setWebhook", func() error {
		_, err := b.tg.SetWebhook(ctx, params)
		return err
	})
	if err != nil && ctx.Err() == nil {
		srv.Close()
		<-served
		if errors.Is(err, tgbot.ErrorBadRequest) {
			return consultations.Errorf(consultations.EINVALID, "Telegram refused the webhook URL %s (%v): it must be an https URL on port 443, 80, 88 or 8443 that reaches this server; check --webhook-url", b.hook.url, err)
		}
		return fmt.Errorf("set the webhook: %w", err)
	}
	if err == nil {
		b.log.Info("receiving updates by webhook", "url", b.hook.url, "listen", ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("webhook server: %w", err)
	}
	dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.retry(dctx, "deleteWebhook", func() error {
		_, err := b.tg.DeleteWebhook(dctx, &tgbot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		b.log.Warn("delete webhook", "err", err)
	}
	// Shutdown waits for the requests in hand; their handlers finish even
	// though ctx has ended.
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		b.log.Warn("stop webhook server", "err", err)
	}
	<-served
	return nil
}

// webhookRequest takes one update from Telegram. It answers 200 only once
// the update is handled and its effects are stored, and 500 when the
// database failed, so that Telegram posts it again; a request that is not
// Telegram's (no or a wrong secret token) is refused with 401 and changes
// nothing. A 200 carries the answer to a tapped button, if the handler
// left it there (see webhookReply).
func (b *Bot) webhookRequest(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != b.hook.path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	if !b.hook.authorised(r.Header.Get(secretHeader)) {
		b.log.Warn("webhook request without the right secret token", "remote", r.RemoteAddr)
		http.Error(w, "wrong or missing "+secretHeader, http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			http.Error(w, fmt.Sprintf("an update is at most %d bytes", maxWebhookBody), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return
	}
	u, err := decodeUpdate(body)
	if err != nil || u.ID == 0 {
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	// The update is finished even if Telegram hangs up meanwhile.
	ctx, reply := withWebhookReply(context.WithoutCancel(r.Context()))
	err = b.handleOne(ctx, u)
	answer := reply.take()
	if err != nil {
		if answer != nil {
			// Telegram ignores what comes with a 500: stop the spinner now.
			b.answerCallback(ctx, answer)
		}
		http.Error(w, "not stored; send it again", http.StatusInternalServerError)
		return
	}
	if answer == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(replyBody(answer))
}

// handleOne handles an update from the webhook after the sender's earlier
// ones, and records it as handled.
func (b *Bot) handleOne(ctx context.Context, u *models.Update) error {
	l := &b.hook.locks[uint64(senderID(u))%uint64(len(b.hook.locks))]
	l.Lock()
	defer l.Unlock()
	if err := b.Handle(ctx, u); err != nil {
		return err
	}
	b.record(ctx, []int64{u.ID})
	return nil
}
