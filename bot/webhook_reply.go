package bot

import (
	"context"
	"encoding/json"
	"sync"

	tgbot "github.com/go-telegram/bot"
)

// webhookReply carries the answer to a tapped button in the response to
// the webhook request that brought the tap, instead of a call of its own:
// Telegram performs a method named in a webhook's response. Most taps end
// with that answer, so this saves one request in two. Telegram tells
// nobody whether such a call worked; for stopping a button's spinner that
// is fine, as the next tap is answered anyway.
type webhookReply struct {
	mu     sync.Mutex
	answer *tgbot.AnswerCallbackQueryParams
	closed bool // the response is being written: too late to carry one
}

type webhookReplyKey struct{}

// withWebhookReply returns a context whose handler may leave the answer to
// a callback query in r, for the webhook's response.
func withWebhookReply(ctx context.Context) (context.Context, *webhookReply) {
	r := &webhookReply{}
	return context.WithValue(ctx, webhookReplyKey{}, r), r
}

// holdAnswer leaves p for the webhook's response, and reports whether it
// could: not when the update did not come by webhook, the response already
// carries an answer, or it is being written.
func holdAnswer(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) bool {
	r, _ := ctx.Value(webhookReplyKey{}).(*webhookReply)
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.answer != nil {
		return false
	}
	r.answer = p
	return true
}

// take closes r to further answers and returns the one it holds, if any.
func (r *webhookReply) take() *tgbot.AnswerCallbackQueryParams {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.answer
}

// replyBody is the response carrying answer: its parameters and the method.
func replyBody(answer *tgbot.AnswerCallbackQueryParams) []byte {
	// Strings, a bool and an int: it can't fail.
	data, _ := json.Marshal(struct {
		Method string `json:"method"`
		*tgbot.AnswerCallbackQueryParams
	}{"answerCallbackQuery", answer})
	return data
}
