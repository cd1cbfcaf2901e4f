package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// turn is one update as a handler sees it: who sent it, in which chat,
// in which language, and what they pressed or wrote.
type turn struct {
	update    *models.Update
	citizen   *consultations.Citizen
	isNew     bool // the citizen is not stored yet
	lang      string
	chatID    int64
	query     *models.CallbackQuery // nil for messages
	cb        callback              // decoded query data
	messageID int                   // the message whose button was pressed
	args      string                // what follows a command
	answered  bool                  // the callback query was answered
}

// handlerFunc is how parlabot's handlers look: a turn in, an error out. The
// error is logged and the citizen gets a kind message, never the error (see
// handlerFailed).
type handlerFunc func(ctx context.Context, t *turn) error

// command registers a citizens' handler for /name (also /name@botname),
// behind the consent gate.
func (b *Bot) command(name string, h handlerFunc) { b.handleCommand(name, b.requireConsent(h)) }

// button registers a citizens' handler for inline buttons with the action,
// behind the consent gate.
func (b *Bot) button(action string, h handlerFunc) { b.handleButton(action, b.requireConsent(h)) }

// handleCommand registers h for /name as it is, without the consent gate:
// for staff commands, behind their role gate, and the privacy notice's.
func (b *Bot) handleCommand(name string, h handlerFunc) {
	b.tg.RegisterHandlerMatchFunc(func(u *models.Update) bool {
		cmd, _ := parseCommand(u)
		return cmd == name
	}, b.on(h))
}

// handleButton registers h for buttons with the action as it is, without
// the consent gate (see handleCommand).
func (b *Bot) handleButton(action string, h handlerFunc) {
	b.tg.RegisterHandlerMatchFunc(func(u *models.Update) bool {
		if u.CallbackQuery == nil {
			return false
		}
		cb, ok := decodeCallback(u.CallbackQuery.Data)
		return ok && cb.Action == action
	}, b.on(h))
}

// parseCommand returns the command a message starts with ("start") and
// what follows it, or "" when the message is not a command.
func parseCommand(u *models.Update) (cmd, args string) {
	if u.Message == nil || !strings.HasPrefix(u.Message.Text, "/") {
		return "", ""
	}
	text := u.Message.Text
	first, rest, _ := strings.Cut(text, " ")
	first = strings.TrimPrefix(first, "/")
	first, _, _ = strings.Cut(first, "@")
	return strings.ToLower(first), strings.TrimSpace(rest)
}

// on adapts a handler to the library: it builds the turn (the citizen and
// their language), keeps groups out, recovers from panics, and turns errors
// into a kind message.
func (b *Bot) on(h handlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
		t, ok := b.newTurn(ctx, u)
		if !ok {
			return
		}
		defer func() {
			if p := recover(); p != nil {
				b.metrics.failure(errPanic)
				b.log.Error("handler panic", "update_id", u.ID, "panic", p, "stack", string(debug.Stack()))
				b.fail(ctx, t)
			}
		}()
		if err := h(ctx, t); err != nil {
			b.metrics.failure(errHandler)
			b.handlerFailed(ctx, t, err)
			return
		}
		if t.query != nil && !t.answered {
			b.answerQuery(ctx, t, "")
		}
	}
}

// newTurn loads the sender as a citizen. Updates without a sender, or from
// groups and channels, are answered with a pointer to a private chat or
// ignored.
func (b *Bot) newTurn(ctx context.Context, u *models.Update) (*turn, bool) {
	t := &turn{update: u}
	from, chat, q := origin(u)
	switch {
	case q != nil:
		t.query = q
		t.cb, _ = decodeCallback(q.Data)
		if m := q.Message.Message; m != nil {
			t.messageID = m.ID
		}
	case u.Message != nil:
		_, t.args = parseCommand(u)
	}
	if from == nil || chat == nil || from.IsBot {
		if t.query != nil {
			b.answerQuery(ctx, t, "")
		}
		return nil, false
	}
	t.chatID = chat.ID
	if chat.Type != models.ChatTypePrivate {
		b.metrics.drop(dropGroup)
		pointer := b.msg.T(b.msg.Lang(from.LanguageCode), "group_not_supported", nil)
		if cmd, _ := parseCommand(u); cmd != "" {
			b.send(ctx, t.chatID, pointer, nil)
		}
		b.answerQuery(ctx, t, pointer) // a button under a message in a group
		return nil, false
	}
	c, err := b.store.Citizen(ctx, from.ID)
	switch {
	case err == nil:
	case consultations.ErrorCode(err) == consultations.ENOTFOUND:
		c = &consultations.Citizen{UserID: from.ID, Created: b.now()}
		t.isNew = true
	default:
		b.metrics.failure(errStore)
		t.lang = b.msg.Lang(from.LanguageCode)
		b.handlerFailed(ctx, t, fmt.Errorf("load citizen: %w", err))
		return nil, false
	}
	c.ChatID = chat.ID
	c.Username = from.Username
	if !c.LanguageChosen {
		c.Language = b.msg.Lang(from.LanguageCode)
	}
	t.citizen, t.lang = c, c.Language
	return t, true
}

// fail tells the citizen something went wrong on our side, kindly.
func (b *Bot) fail(ctx context.Context, t *turn) {
	if t.query != nil && !t.answered {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "error_try_again", nil))
		return
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "error_try_again", nil), nil)
}

// participant is the citizen's pseudonym in responses.
func (b *Bot) participant(t *turn) string {
	return consultations.Pseudonym(b.key, t.citizen.UserID)
}

// commit records the turn's changes, tied to its update so that a repeated
// update is recognised. Nothing is stored about a citizen who hasn't
// accepted the privacy notice: the consent gate keeps them from getting
// here, and this refuses if a handler ever tried.
func (b *Bot) commit(ctx context.Context, t *turn, r *consultations.Response) error {
	if !b.mayStore(t) {
		return consultations.Errorf(consultations.EINTERNAL, "commit for a citizen who has not accepted the privacy notice")
	}
	return b.commitChange(ctx, t, consultations.Change{UpdateID: t.update.ID, Citizen: t.citizen, Response: r})
}

// commitChange commits ch for the turn's update, after the sender's earlier
// updates in the batch that changed nothing (see recordHeld).
func (b *Bot) commitChange(ctx context.Context, t *turn, ch consultations.Change) error {
	if err := b.recordHeld(ctx, t.citizen.UserID); err != nil {
		return err
	}
	if err := b.store.Commit(ctx, ch); err != nil {
		return err
	}
	b.recorded.Store(t.update.ID, struct{}{})
	t.isNew = false
	return nil
}

// textLength counts characters as a citizen would (runes), not bytes.
func textLength(s string) int { return len([]rune(s)) }
