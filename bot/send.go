package bot

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// maxAttempts is how many times a call to Telegram is tried when it is
// throttled (429) or Telegram fails (5xx, network).
const maxAttempts = 4

// retry calls f until it succeeds, fails for good, or maxAttempts is
// reached, waiting retry_after on a 429 and a growing delay otherwise.
func (b *Bot) retry(ctx context.Context, what string, f func() error) error {
	var err error
	wait := 300 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if err = f(); err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		var tmr *tgbot.TooManyRequestsError
		if errors.As(err, &tmr) && tmr.RetryAfter > 0 {
			wait = time.Duration(tmr.RetryAfter) * time.Second
		}
		b.log.Warn("telegram call failed; retrying", "call", what, "attempt", attempt, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// retryable tells throttling and server or network failures, worth another
// try, from refusals that will not change (400, 403).
func retryable(err error) bool {
	switch {
	case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorForbidden),
		errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound),
		errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// send sends an HTML message and returns its id (0 when it failed; the
// failure is logged).
func (b *Bot) send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) int {
	params := &tgbot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	var m *models.Message
	err := b.retry(ctx, "sendMessage", func() (err error) {
		m, err = b.tg.SendMessage(ctx, params)
		return err
	})
	if err != nil {
		b.metrics.failure(errTelegram)
		b.log.Error("send message", "err", err)
		return 0
	}
	return m.ID
}

// show puts a screen in place of message id, or sends it anew when the
// message can't be edited (id 0, deleted, too old). It returns the id of
// the message that now shows the screen.
func (b *Bot) show(ctx context.Context, chatID int64, id int, text string, kb *models.InlineKeyboardMarkup) int {
	if id == 0 {
		return b.send(ctx, chatID, text, kb)
	}
	params := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: id, Text: text, ParseMode: models.ParseModeHTML}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	err := b.retry(ctx, "editMessageText", func() error {
		_, err := b.tg.EditMessageText(ctx, params)
		return err
	})
	switch {
	case err == nil, notModified(err):
		return id
	default:
		b.log.Warn("edit message; sending a new one", "err", err)
		return b.send(ctx, chatID, text, kb)
	}
}

// dropKeyboard removes the buttons from a message the citizen has moved on
// from, so old buttons don't invite taps.
func (b *Bot) dropKeyboard(ctx context.Context, chatID int64, id int) {
	if id == 0 {
		return
	}
	err := b.retry(ctx, "editMessageReplyMarkup", func() error {
		_, err := b.tg.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{
			ChatID: chatID, MessageID: id, ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}},
		})
		return err
	})
	if err != nil && !notModified(err) {
		b.log.Debug("drop keyboard", "err", err)
	}
}

// answerQuery stops the button's spinner, with a short notice when text is set.
func (b *Bot) answerQuery(ctx context.Context, t *turn, text string) {
	if t.query == nil || t.answered {
		return
	}
	t.answered = true
	p := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: t.query.ID, Text: text}
	if holdAnswer(ctx, p) {
		return // in the webhook's response
	}
	b.answerCallback(ctx, p)
}

// answerCallback calls answerCallbackQuery.
func (b *Bot) answerCallback(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) {
	err := b.retry(ctx, "answerCallbackQuery", func() error {
		_, err := b.tg.AnswerCallbackQuery(ctx, p)
		return err
	})
	if err != nil {
		b.log.Debug("answer callback query", "err", err)
	}
}

// notModified is Telegram's answer to an edit that changes nothing, which
// for us is success (a double tap, say).
func notModified(err error) bool {
	return err != nil && strings.Contains(err.Error(), "message is not modified")
}

// telegramClients are the HTTP clients for the Bot API: one for long
// polls, which wait up to pollTimeout for updates, and one for every other
// call. Each gives up on a Telegram that does not answer within
// callTimeout of the request being sent (a hung connection), so the call
// is tried again; an upload may take its time.
func telegramClients(pollTimeout, callTimeout time.Duration) (poll, call *http.Client) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = callTimeout
	t.MaxIdleConnsPerHost = maxIdleConns
	return &http.Client{Timeout: pollTimeout + callTimeout},
		&http.Client{Transport: wholeBody{t}, Timeout: 10 * time.Minute}
}
