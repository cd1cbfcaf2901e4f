package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// SecretHeader is the header that carries a webhook's secret_token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// defaultMaxConnections is Telegram's default for setWebhook's max_connections.
const defaultMaxConnections = 40

// secretToken is what Telegram accepts as a webhook's secret_token.
var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// hookClient posts updates to webhooks. It keeps a connection for each of
// the up to 100 requests at once that max_connections allows, as Telegram
// does, rather than opening a new one for most requests under load.
var hookClient = &http.Client{Timeout: time.Minute, Transport: hookTransport()}

func hookTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 100
	return t
}

// webhook is the webhook the bot set. Every setWebhook and deleteWebhook
// starts a new generation: the deliverer of an older one stops.
type webhook struct {
	info   models.WebhookInfo
	secret string
	gen    int
}

// Delivery is one attempt to deliver an update to the webhook.
type Delivery struct {
	// UpdateID is the update posted.
	UpdateID int64
	// Status is the HTTP status the webhook answered, 0 when the request
	// failed (connection refused, reset, timed out).
	Status int
	// Err is why the request failed, when Status is 0.
	Err string
}

// setWebhook records a webhook and starts delivering updates to it. While
// one is set, getUpdates answers 409 as in Telegram. Like Telegram it wants
// an HTTPS URL on port 443, 80, 88 or 8443, except that a loopback address
// (127.0.0.1, ::1, localhost) may use plain HTTP and any port, so that tests
// can serve the webhook with net/http.
func (s *Server) setWebhook(r *request) (any, *apiError) {
	raw := strings.TrimSpace(r.params["url"])
	if raw == "" {
		s.unsetWebhook()
		return true, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	switch u.Port() {
	case "", "80", "88", "443", "8443":
	default:
		if !loopback(u.Hostname()) {
			return nil, badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
		}
	}
	secret := r.params["secret_token"]
	if r.has("secret_token") && !secretToken.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	maxConn, aerr := r.int64Param("max_connections")
	if aerr != nil {
		return nil, aerr
	}
	if maxConn == 0 {
		maxConn = defaultMaxConnections
	}
	if maxConn < 1 || maxConn > 100 {
		return nil, badRequest("bad webhook: max_connections must be between 1 and 100")
	}
	var allowed []string
	if v := r.params["allowed_updates"]; v != "" {
		if err := json.Unmarshal([]byte(v), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates JSON array")
		}
	}
	if r.boolParam("drop_pending_updates") {
		s.dropPending()
	}
	gen := s.webhook.gen + 1
	s.webhook = webhook{
		info: models.WebhookInfo{
			URL:                  raw,
			HasCustomCertificate: r.has("certificate") || r.files["certificate"].Data != nil,
			IPAddress:            r.params["ip_address"],
			MaxConnections:       int(maxConn),
			AllowedUpdates:       allowed,
		},
		secret: secret,
		gen:    gen,
	}
	if s.pollCancel != nil {
		close(s.pollCancel) // a long poll in progress ends with 409
		s.pollCancel = nil
	}
	if loopback(u.Hostname()) {
		s.hooks.Add(1)
		go s.deliver(gen)
	}
	s.notify()
	return true, nil
}

func (s *Server) deleteWebhook(r *request) (any, *apiError) {
	if r.boolParam("drop_pending_updates") {
		s.dropPending()
	}
	s.unsetWebhook()
	return true, nil
}

// unsetWebhook removes the webhook; requests in flight finish, and their
// updates count as delivered if the bot answers 2xx. s.mu must be held.
func (s *Server) unsetWebhook() {
	s.webhook = webhook{gen: s.webhook.gen + 1}
	s.notify()
}

func (s *Server) getWebhookInfo(*request) (any, *apiError) {
	info := s.webhook.info
	info.PendingUpdateCount = len(s.queue)
	return &info, nil
}

// Webhook returns the webhook the bot set (an empty URL when none) and its
// secret token.
func (s *Server) Webhook() (info models.WebhookInfo, secretToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info = s.webhook.info
	info.PendingUpdateCount = len(s.queue)
	return info, s.webhook.secret
}

// Deliveries returns every attempt to deliver an update to a webhook, in
// the order they ended.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// deliver posts queued updates to the webhook of generation gen as Telegram
// does: updates of different chats at once, up to max_connections, and each
// chat's updates one after another, in order, the next only once the bot
// has answered the previous one with 2xx. An update the bot fails (another
// status, a connection error) is posted again after a pause that doubles
// with each failure. The deliverer stops when the webhook changes or the
// server closes; the fake delivers only to loopback addresses, so tests stay
// offline.
func (s *Server) deliver(gen int) {
	defer s.hooks.Done()
	s.mu.Lock()
	for {
		select {
		case <-s.done:
			s.mu.Unlock()
			return
		default:
		}
		if s.webhook.gen != gen {
			s.mu.Unlock()
			return
		}
		next := s.dispatch()
		changed := s.changed
		s.mu.Unlock()
		var retry <-chan time.Time
		var timer *time.Timer
		if !next.IsZero() {
			timer = time.NewTimer(time.Until(next))
			retry = timer.C
		}
		select {
		case <-changed:
		case <-retry:
		case <-s.done:
		}
		if timer != nil {
			timer.Stop()
		}
		s.mu.Lock()
	}
}

// dispatch starts a request for every update that may be posted now and
// returns when the earliest one waiting to be posted again will be due
// (zero if none). s.mu must be held.
func (s *Server) dispatch() (next time.Time) {
	hook := s.webhook
	inFlight := 0
	for _, q := range s.queue {
		if q.posting {
			inFlight++
		}
	}
	if inFlight >= hook.info.MaxConnections {
		// Nothing can be posted until a request ends, which is a change
		// of the queue: dispatch runs again then.
		return time.Time{}
	}
	now := time.Now()
	waiting := make(map[int64]bool) // chats with an earlier update not yet delivered
	for _, q := range s.queue {
		if waiting[q.chat] {
			continue
		}
		waiting[q.chat] = true
		if q.posting {
			continue
		}
		if now.Before(q.notBefore) {
			if next.IsZero() || q.notBefore.Before(next) {
				next = q.notBefore
			}
			continue
		}
		if inFlight >= hook.info.MaxConnections {
			break
		}
		inFlight++
		q.posting = true
		q.delivered = true
		s.hooks.Add(1)
		go s.post(q, hook.info.URL, hook.secret)
	}
	return next
}

// post delivers one update and records the outcome: a 2xx answer confirms
// it, anything else schedules it again.
func (s *Server) post(q *queuedUpdate, url, secret string) {
	defer s.hooks.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	d := Delivery{UpdateID: q.id}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(q.raw))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(SecretHeader, secret)
		}
		var resp *http.Response
		if resp, err = hookClient.Do(req); err == nil {
			answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxUpload))
			resp.Body.Close()
			d.Status = resp.StatusCode
			if d.Status >= 200 && d.Status < 300 {
				s.replyCall(resp.Header.Get("Content-Type"), answer)
			}
		}
	}
	if err != nil {
		d.Err = err.Error()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.noRecord {
		s.deliveries = append(s.deliveries, d)
	}
	q.posting = false
	if d.Status >= 200 && d.Status < 300 {
		s.delivered(q)
		return
	}
	q.attempts++
	q.notBefore = time.Now().Add(redeliveryDelay(q.attempts))
	s.webhook.info.LastErrorDate = int(s.now().Unix())
	if d.Status != 0 {
		s.webhook.info.LastErrorMessage = fmt.Sprintf("Wrong response from the webhook: %d %s", d.Status, http.StatusText(d.Status))
	} else {
		s.webhook.info.LastErrorMessage = "Connection refused"
	}
	s.notify()
}

// replyCall performs the method a webhook's answer names, as Telegram
// does: a bot may answer an update with one Bot API call (its parameters
// and "method" in the body), which saves it a request. Like Telegram, the
// fake answers nobody: the call is recorded with its outcome, and an
// answer without "method", or that can't be parsed, is ignored.
func (s *Server) replyCall(contentType string, body []byte) {
	req := &request{ctx: context.Background(), params: map[string]string{}, files: map[string]File{}}
	if req.parseBody(contentType, body) != nil {
		return
	}
	method := req.params["method"]
	if method == "" {
		return
	}
	delete(req.params, "method")
	_, _ = s.invoke(method, req, nil, true) // nobody hears the answer
}

// redeliveryDelay is the pause before posting an update again after its
// attempt-th failure: Telegram waits longer and longer; the fake keeps the
// pauses short so tests stay fast.
func redeliveryDelay(attempt int) time.Duration {
	d := 20 * time.Millisecond
	for i := 1; i < attempt && d < time.Second; i++ {
		d *= 2
	}
	return min(d, time.Second)
}

// delivered drops an update the webhook accepted from the queue, if it is
// still there. s.mu must be held.
func (s *Server) delivered(q *queuedUpdate) {
	for i, e := range s.queue {
		if e != q {
			continue
		}
		n := len(s.queue)
		copy(s.queue[i:], s.queue[i+1:])
		s.queue[n-1] = nil
		s.queue = s.queue[:n-1]
		s.settle(q.id)
		break
	}
	s.notify()
}

// chatOf is the chat an update belongs to, for delivering each chat's
// updates in order: the message's chat, or the chat of the message whose
// button was pressed (the user's private chat if unknown).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if m := q.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := q.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return q.From.ID
	}
	return 0
}
