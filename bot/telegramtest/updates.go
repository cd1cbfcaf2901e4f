package telegramtest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/go-telegram/bot/models"
)

// queuedUpdate is an update waiting for the bot's confirmation.
type queuedUpdate struct {
	id        int64
	raw       json.RawMessage
	repeat    bool // pushed with an update_id already used
	delivered bool // served by getUpdates, or posted to the webhook, at least once

	// Webhook delivery (webhook.go).
	chat      int64     // the chat it belongs to: each chat's updates are posted in order
	posting   bool      // a request posting it is in flight
	attempts  int       // failed attempts to post it
	notBefore time.Time // when it may be posted again after a failure
}

// Push queues an update for getUpdates (or the webhook) and returns its update_id, assigning
// the next one when u.ID is 0. An update_id already used may be pushed again,
// to test that the bot processes a repeated update once: it is then served
// even if that id was confirmed before.
//
// A message from a private chat the server does not know creates that
// citizen and chat (so the bot can reply) and is added to the chat.
func (s *Server) Push(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.push(&u, true)
}

// push queues u, first recording a pushed message in its chat when observe
// is set; s.mu must be held.
func (s *Server) push(u *models.Update, observe bool) int64 {
	if observe {
		s.observe(u)
	}
	var repeat bool
	u.ID, repeat = s.updateID(u.ID)
	raw := mustMarshal(u)
	s.enqueue(&queuedUpdate{id: u.ID, raw: raw, repeat: repeat, chat: chatOf(u)})
	return u.ID
}

// updateID is the update_id of an update pushed with id: the next one when
// id is 0. repeat tells an id already used. s.mu must be held.
func (s *Server) updateID(id int64) (_ int64, repeat bool) {
	repeat = id != 0 && id <= s.lastUpdate
	if id == 0 {
		s.lastUpdate++
		id = s.lastUpdate
	} else if id > s.lastUpdate {
		s.lastUpdate = id
	}
	return id, repeat
}

// PushRaw queues an update given as Bot API JSON (for instance a testdata
// file) and returns its update_id. A missing or zero update_id is assigned;
// fields unknown to go-telegram/bot/models are kept as they are. As with
// Push, a message from an unknown private chat creates the citizen.
func (s *Server) PushRaw(data []byte) (int64, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return 0, fmt.Errorf("telegramtest: push raw update: %w", err)
	}
	var id int64
	if raw, ok := obj["update_id"]; ok {
		if err := json.Unmarshal(raw, &id); err != nil {
			return 0, fmt.Errorf("telegramtest: push raw update: update_id: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u models.Update
	if json.Unmarshal(data, &u) == nil {
		s.observe(&u)
	} else {
		u = models.Update{}
	}
	id, repeat := s.updateID(id)
	obj["update_id"] = json.RawMessage(fmt.Sprint(id))
	raw, err := json.Marshal(obj)
	if err != nil {
		return 0, fmt.Errorf("telegramtest: push raw update: %w", err)
	}
	s.enqueue(&queuedUpdate{id: id, raw: raw, repeat: repeat, chat: chatOf(&u)})
	return id, nil
}

// observe records a pushed message from a private chat: the citizen and
// the chat are created if needed, the message is added unless the chat has
// one with its id, and later message ids follow it. s.mu must be held.
func (s *Server) observe(u *models.Update) {
	m := u.Message
	if m == nil || m.Chat.Type != models.ChatTypePrivate || m.Chat.ID <= 0 {
		return
	}
	lang, first, username := "", m.Chat.FirstName, m.Chat.Username
	if m.From != nil {
		lang, first, username = m.From.LanguageCode, cmp.Or(m.From.FirstName, first), cmp.Or(m.From.Username, username)
	}
	c := s.chats[s.user(m.Chat.ID, lang, first, username).id]
	if m.ID >= c.nextID {
		c.nextID = m.ID + 1
	}
	if c.find(m.ID) != nil {
		return
	}
	sm := &storedMessage{
		Message: Message{ID: m.ID, Text: m.Text, Plain: m.Text, Entities: m.Entities},
		date:    m.Date,
	}
	if m.From != nil {
		sm.from = *m.From
	}
	c.msgs = append(c.msgs, sm)
	slices.SortStableFunc(c.msgs, func(a, b *storedMessage) int { return cmp.Compare(a.ID, b.ID) })
	s.emit(c.id, EventNew, sm)
}

// enqueue adds q to the queue and wakes long polls; s.mu must be held.
func (s *Server) enqueue(q *queuedUpdate) {
	s.queue = append(s.queue, q)
	s.pending[q.id]++
	s.notify()
}

// notify wakes everyone waiting for a change of the queue; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// confirm drops the updates the bot confirmed with offset, as Telegram does:
// every update with an id below offset, except repeats not yet served. A
// negative offset keeps only the last -offset updates. s.mu must be held.
func (s *Server) confirm(offset int64) {
	if offset == 0 {
		return
	}
	keep := s.queue[:0]
	n := len(s.queue)
	changed := false
	for i, q := range s.queue {
		var drop bool
		if offset < 0 {
			drop = int64(n-i) > -offset
		} else {
			drop = q.id < offset && (!q.repeat || q.delivered)
		}
		if drop {
			s.settle(q.id)
			changed = true
			continue
		}
		keep = append(keep, q)
	}
	clear(s.queue[len(keep):])
	s.queue = keep
	if changed {
		s.notify()
	}
}

// dropPending confirms every queued update (deleteWebhook with
// drop_pending_updates); s.mu must be held.
func (s *Server) dropPending() {
	if len(s.queue) == 0 {
		return
	}
	for _, q := range s.queue {
		s.settle(q.id)
	}
	clear(s.queue)
	s.queue = nil
	s.notify()
}

// serve marks up to limit queued updates delivered and returns them as a
// JSON array; s.mu must be held.
func (s *Server) serve(limit int) json.RawMessage {
	buf := []byte{'['}
	for i, q := range s.queue {
		if i == limit {
			break
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, q.raw...)
		q.delivered = true
	}
	return append(buf, ']')
}

// getUpdates implements long polling: it confirms by offset, then answers
// with the queued updates, waiting up to timeout seconds for one to arrive.
// A newer getUpdates ends a waiting one with 409, as Telegram does when two
// instances of a bot poll. It runs without s.mu held.
func (s *Server) getUpdates(r *request) (any, *apiError) {
	offset, err := r.int64Param("offset")
	if err != nil {
		return nil, err
	}
	limit64, err := r.int64Param("limit")
	if err != nil {
		return nil, err
	}
	timeout, err := r.int64Param("timeout")
	if err != nil {
		return nil, err
	}
	limit := int(limit64)
	if limit <= 0 || limit > 100 {
		limit = 100
	}

	s.mu.Lock()
	if s.webhook.info.URL != "" {
		s.mu.Unlock()
		return nil, &apiError{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.pollCancel != nil {
		close(s.pollCancel)
	}
	cancel := make(chan struct{})
	s.pollCancel = cancel
	defer func() {
		s.mu.Lock()
		if s.pollCancel == cancel {
			s.pollCancel = nil
		}
		s.mu.Unlock()
	}()
	s.confirm(offset)

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	for {
		if len(s.queue) > 0 || timeout <= 0 {
			res := s.serve(limit)
			s.mu.Unlock()
			return res, nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			return json.RawMessage("[]"), nil
		case <-cancel:
			return nil, &apiError{Code: http.StatusConflict, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-r.ctx.Done():
			return json.RawMessage("[]"), nil
		case <-s.done:
			return json.RawMessage("[]"), nil
		}
		s.mu.Lock()
	}
}

// WaitConfirmed blocks until the bot has confirmed the update with the given
// id (a getUpdates with a greater offset), ctx ends, or the server closes.
// A bot that confirms an update only after its handler returned has then made
// every call the update caused. go-telegram/bot's own Start loop is not such
// a bot: it asks for the next offset as soon as it has queued the updates,
// before handlers run. WaitConfirmed fails at once for an id never issued.
func (s *Server) WaitConfirmed(ctx context.Context, updateID int64) error {
	s.mu.Lock()
	if updateID <= 0 || updateID > s.lastUpdate {
		s.mu.Unlock()
		return fmt.Errorf("telegramtest: wait for update %d: never queued", updateID)
	}
	return s.waitLocked(ctx, func() bool { return s.pending[updateID] == 0 },
		func() string { return fmt.Sprintf("wait for update %d", updateID) })
}

// WaitIdle blocks until the bot has confirmed every queued update, ctx ends,
// or the server closes.
func (s *Server) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	return s.waitLocked(ctx, func() bool { return len(s.queue) == 0 },
		func() string { return fmt.Sprintf("wait for %d queued updates", len(s.queue)) })
}

// waitLocked waits until done reports true. It is called with s.mu held and
// returns with it released; what describes the wait in errors.
func (s *Server) waitLocked(ctx context.Context, done func() bool, what func() string) error {
	for !done() {
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			s.mu.Lock()
			desc := what()
			s.mu.Unlock()
			return fmt.Errorf("telegramtest: %s: %w", desc, ctx.Err())
		case <-s.done:
			return ErrClosed
		}
		s.mu.Lock()
	}
	s.mu.Unlock()
	return nil
}
