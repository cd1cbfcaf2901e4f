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

// getUpdates asks for updates from offset on, waiting up to timeout for one
// to arrive. Asking with an offset confirms every update before it.
func (a *apiClient) getUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]*models.Update, error) {
	body, _ := json.Marshal(map[string]any{
		"offset":          offset,
		"timeout":         int(timeout / time.Second),
		"allowed_updates": []string{"message", "callback_query"},
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
		OK          bool             `json:"ok"`
		Result      []*models.Update `json:"result"`
		ErrorCode   int              `json:"error_code"`
		Description string           `json:"description"`
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
	return r.Result, nil
}

// poll is the intake: it fetches updates, hands each to its citizen's
// worker, and confirms them to Telegram (the next getUpdates offset) only
// once all of them are handled and their effects are on disk. A crash
// therefore loses nothing: unconfirmed updates come again, and the ones
// already handled are recognised by id and skipped.
func (b *Bot) poll(ctx context.Context) error {
	var offset int64
	var backoff time.Duration
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
		b.HandleBatch(context.WithoutCancel(ctx), updates)
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
// updates in order, and returns when all are handled and recorded.
func (b *Bot) HandleBatch(ctx context.Context, updates []*models.Update) {
	shards := make(map[int][]*models.Update)
	for _, u := range updates {
		k := int(uint64(senderID(u)) % uint64(b.workers))
		shards[k] = append(shards[k], u)
	}
	var wg sync.WaitGroup
	for _, us := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, u := range us {
				b.Handle(ctx, u)
				b.holdUnrecorded(u)
			}
		}()
	}
	wg.Wait()
	for _, u := range updates {
		b.held.Delete(senderID(u))
	}
	// Updates whose handler committed something were recorded with it;
	// only the others (a /help, say) need recording here, so an answer
	// costs one disk sync, not two.
	var ids []int64
	for _, u := range updates {
		if _, done := b.recorded.LoadAndDelete(u.ID); !done {
			ids = append(ids, u.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	if err := b.store.MarkUpdates(ctx, ids...); err != nil {
		b.log.Error("record handled updates", "err", err)
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
// deliver an update again after a restart).
func (b *Bot) Handle(ctx context.Context, u *models.Update) {
	seen, err := b.store.UpdateSeen(ctx, u.ID)
	if err != nil {
		b.log.Error("check update", "update_id", u.ID, "err", err)
	}
	if seen {
		b.log.Debug("update already handled", "update_id", u.ID)
		return
	}
	b.tg.ProcessUpdate(ctx, u)
}

// senderID is the Telegram user an update comes from, 0 if none.
func senderID(u *models.Update) int64 {
	switch {
	case u.Message != nil && u.Message.From != nil:
		return u.Message.From.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}
