package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// apiClient makes the one Bot API call the library doesn't let us make
// ourselves: getUpdates with the offset we choose.
type apiClient struct {
	url   string
	token string
	http  *http.Client
}

// apiError is an unsuccessful Bot API answer.
type apiError struct {
	Code       int
	Message    string
	RetryAfter int
}

func (e *apiError) Error() string { return fmt.Sprintf("telegram: %d %s", e.Code, e.Message) }

// allowedUpdates are the kinds of update the bot asks Telegram for, by
// polling or webhook.
var allowedUpdates = []string{"message", "callback_query"}

// getUpdates asks for updates from offset on, waiting up to timeout for one
// to arrive. Asking with an offset confirms every update before it.
func (a *apiClient) getUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]*models.Update, error) {
	body, _ := json.Marshal(map[string]any{
		"offset":          offset,
		"timeout":         int(timeout / time.Second),
		"allowed_updates": allowedUpdates,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/bot"+a.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get updates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool       `json:"ok"`
		Result      []inUpdate `json:"result"`
		ErrorCode   int        `json:"error_code"`
		Description string     `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("get updates: read answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, &apiError{Code: r.ErrorCode, Message: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	updates := make([]*models.Update, len(r.Result))
	for i := range r.Result {
		updates[i] = r.Result[i].update()
	}
	return updates, nil
}

// poll is the intake: it fetches updates, hands each to its citizen's
// worker, and confirms them to Telegram (the next getUpdates offset) only
// once all of them are handled and their effects are on disk (see
// lostPatience for when the database cannot store them). A crash
// therefore loses nothing: unconfirmed updates come again, and the ones
// already handled are recognised by id and skipped.
func (b *Bot) poll(ctx context.Context) error {
	var offset int64
	var backoff, lostBackoff time.Duration
	var lostSince time.Time // when the batch in hand was first lost
	for {
		if ctx.Err() != nil {
			break
		}
		updates, err := b.api.getUpdates(ctx, offset, b.pollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
				return fmt.Errorf("telegram refused the token: check --token or TELEGRAM_BOT_TOKEN")
			}
			backoff = nextBackoff(backoff, err)
			b.metrics.failure(errTelegram)
			b.log.Warn("get updates failed; retrying", "err", err, "in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if len(updates) == 0 {
			continue
		}
		// Handlers run to completion even when ctx ends: an update in
		// hand is finished, not dropped half-way.
		if err := b.HandleBatch(context.WithoutCancel(ctx), updates); err != nil {
			if lostSince.IsZero() {
				lostSince = time.Now()
			}
			if time.Since(lostSince) < lostPatience {
				// Not confirmed: the batch comes again, its handled
				// updates are skipped and the lost ones handled then.
				lostBackoff = nextBackoff(lostBackoff, err)
				b.log.Warn("updates not stored; fetching them again", "err", err, "in", lostBackoff)
				select {
				case <-ctx.Done():
				case <-time.After(lostBackoff):
				}
				continue
			}
			// Everyone waits behind the batch: past patience, let it go.
			b.log.Error("giving up on updates the database could not store; their senders were asked to try again", "err", err, "after", lostPatience)
		}
		lostSince, lostBackoff = time.Time{}, 0
		offset = updates[len(updates)-1].ID + 1
	}
	if offset > 0 {
		// Confirm what was handled, so a restart doesn't fetch it again.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := b.api.getUpdates(cctx, offset, 0); err != nil {
			b.log.Warn("confirm last updates", "err", err)
		}
	}
	return nil
}

// lostPatience is how long the polling intake keeps fetching a batch
// whose updates the database could not store. Polling confirms updates in
// order, so every citizen waits behind such a batch: a short outage loses
// nothing, while a long one, or an update that can never be stored, holds
// the intake back this long at most. (A webhook has no such limit: Telegram
// posts each chat's updates on its own.)
var lostPatience = 5 * time.Minute

// nextBackoff doubles the wait after each failure, up to 30s, and honours
// Telegram's retry_after.
func nextBackoff(prev time.Duration, err error) time.Duration {
	var ae *apiError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return time.Duration(ae.RetryAfter) * time.Second
	}
	if prev == 0 {
		return 200 * time.Millisecond
	}
	if prev *= 2; prev > 30*time.Second {
		prev = 30 * time.Second
	}
	return prev
}

// HandleBatch handles updates, several citizens at once but each citizen's
// updates in order, and returns when all are handled and recorded. It
// returns an error if some were lost (see Handle): those, and the later
// updates of the same citizens, are left unrecorded, to be handled when
// they come again.
func (b *Bot) HandleBatch(ctx context.Context, updates []*models.Update) error {
	bySender := make(map[int64][]*models.Update)
	for _, u := range updates {
		id := senderID(u)
		bySender[id] = append(bySender[id], u)
	}
	var (
		mu    sync.Mutex
		lost  error
		later = map[int64]bool{} // update ids left to come again
	)
	var wg sync.WaitGroup
	workers := make(chan struct{}, b.workers)
	for _, us := range bySender {
		workers <- struct{}{}
		wg.Go(func() {
			defer func() { <-workers }()
			var blocked error // once one is lost, the sender's later ones wait
			for _, u := range us {
				err := blocked
				if err == nil {
					err = b.Handle(ctx, u)
				}
				if err == nil {
					b.holdUnrecorded(u)
					continue
				}
				if blocked == nil {
					blocked = errHeld
				}
				mu.Lock()
				later[u.ID] = true
				if lost == nil {
					lost = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, u := range updates {
		b.held.Delete(senderID(u))
	}
	var handled []int64
	for _, u := range updates {
		if !later[u.ID] {
			handled = append(handled, u.ID)
		}
	}
	b.record(ctx, handled)
	return lost
}

// errHeld stands for an update not handled because an earlier one of the
// same sender was lost.
var errHeld = errors.New("held back behind a lost update")

// record records handled updates as processed, except those whose handler
// committed them with its changes, so an answer costs one disk sync, not
// two. If recording fails the updates are handled all the same: only a
// crash before Telegram hears of them would bring them again.
func (b *Bot) record(ctx context.Context, ids []int64) {
	var rest []int64
	for _, id := range ids {
		if _, done := b.recorded.LoadAndDelete(id); !done {
			rest = append(rest, id)
		}
	}
	if len(rest) == 0 {
		return
	}
	if err := b.store.MarkUpdates(ctx, rest...); err != nil {
		b.metrics.failure(errStore)
		b.log.Error("record handled updates", "err", err)
		var sf *storeFault
		if errors.As(err, &sf) {
			b.alertAdmins(ctx, sf)
		}
	}
}

// holdUnrecorded keeps a handled update that its handler did not record
// (it changed nothing: a stale tap, /help) until a later update of the
// same citizen in the batch changes something: that one's commit records
// it first (see recordHeld). Otherwise a crash between the two would bring
// it back, to be handled afresh against the changed state: a stale tap
// would answer a question the citizen has since gone back to. Held updates
// that no change follows are recorded with the rest of the batch.
func (b *Bot) holdUnrecorded(u *models.Update) {
	if _, done := b.recorded.Load(u.ID); done {
		return
	}
	from := senderID(u)
	held, _ := b.held.Load(from)
	ids, _ := held.([]int64)
	b.held.Store(from, append(ids, u.ID))
}

// recordHeld records, before a change of the citizen's is committed, the
// citizen's earlier updates in the batch that changed nothing.
func (b *Bot) recordHeld(ctx context.Context, userID int64) error {
	held, ok := b.held.LoadAndDelete(userID)
	if !ok {
		return nil
	}
	ids := held.([]int64)
	if err := b.store.MarkUpdates(ctx, ids...); err != nil {
		return err
	}
	for _, id := range ids {
		b.recorded.Store(id, struct{}{})
	}
	return nil
}

// Handle handles one update unless it was handled before (Telegram may
// deliver an update again after a restart). It returns an error when the
// update is lost: the database failed before its effects were stored, the
// sender has been asked to try again later, and the update must come again
// (not confirmed to Telegram) to be handled once the database works.
func (b *Bot) Handle(ctx context.Context, u *models.Update) error {
	b.metrics.received(u)
	defer b.metrics.handled(time.Now())
	seen, err := b.store.UpdateSeen(ctx, u.ID)
	if err != nil {
		b.metrics.failure(errStore)
		// Handling it without knowing could count an answer twice.
		err = fmt.Errorf("check update %d: %w", u.ID, err)
		b.handlerFailed(ctx, b.senderTurn(u), err)
		return err
	}
	if seen {
		b.metrics.drop(dropDuplicate)
		b.log.Debug("update already handled", "update_id", u.ID)
		return nil
	}
	if !b.admit(ctx, u) {
		return nil
	}
	ctx, h := withHandling(ctx)
	b.tg.ProcessUpdate(ctx, u)
	if h.lost != nil {
		b.recorded.Delete(u.ID)
		return fmt.Errorf("update %d: %w", u.ID, h.lost)
	}
	return nil
}

// senderID is the Telegram user an update comes from, 0 if none.
func senderID(u *models.Update) int64 {
	if from, _, _ := origin(u); from != nil {
		return from.ID
	}
	return 0
}

// origin is who sent an update and from which chat: a message's sender
// and chat, or for a tapped button who tapped, the chat of the message
// under it (nil when Telegram no longer gives that message), and the
// callback query. All are nil for other updates.
func origin(u *models.Update) (from *models.User, chat *models.Chat, query *models.CallbackQuery) {
	switch {
	case u.Message != nil:
		return u.Message.From, &u.Message.Chat, nil
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if m := q.Message.Message; m != nil {
			return &q.From, &m.Chat, q
		}
		return &q.From, nil, q
	}
	return nil, nil, nil
}
