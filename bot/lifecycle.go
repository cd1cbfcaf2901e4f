package bot

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// Lifecycle operations, as button data and audit actions name them.
const (
	opOpen  = "open"
	opClose = "close"
)

// Limits of the /consultations list: Telegram's 4096 characters a message,
// and a keyboard a clerk can still read.
const (
	maxListed     = 20
	maxListLength = 3600
)

// statusIcons mark each status in lists.
var statusIcons = map[consultations.Status]string{
	consultations.StatusOpen: "🟢", consultations.StatusDraft: "📝", consultations.StatusClosed: "⚪",
}

// listConsultations shows every consultation with its status and number of
// completed responses, open ones first; clerks also get buttons to open,
// close and broadcast: /consultations.
func (b *Bot) listConsultations(ctx context.Context, t *turn) error {
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "list_empty", nil), nil)
		return nil
	}
	now := b.now()
	order := []consultations.Status{consultations.StatusOpen, consultations.StatusDraft, consultations.StatusClosed}
	slices.SortStableFunc(all, func(x, y *consultations.Consultation) int {
		return slices.Index(order, x.StatusAt(now)) - slices.Index(order, y.StatusAt(now))
	})
	clerk := b.roles.may(t.citizen.UserID, clerks)
	text := "<b>" + b.msg.T(t.lang, "list_title", nil) + "</b>"
	var rows [][]models.InlineKeyboardButton
	for i, c := range all {
		status := c.StatusAt(now)
		count, err := b.store.CountCompleted(ctx, c.Slug)
		if err != nil {
			return err
		}
		entry := "\n\n" + statusIcons[status] + " <b>" + html.EscapeString(c.Title.In(t.lang, c.DefaultLanguage)) + "</b>\n" +
			"<code>" + html.EscapeString(c.Slug) + "</code> · " + b.statusName(t.lang, status) + " · " + b.msg.N(t.lang, "list_responses", count, nil)
		if i == maxListed || len(text)+len(entry) > maxListLength {
			text += "\n\n" + b.msg.N(t.lang, "list_more", len(all)-i, nil)
			break
		}
		text += entry
		if clerk {
			rows = append(rows, b.lifecycleButtons(t.lang, c, status))
		}
	}
	b.send(ctx, t.chatID, text, keyboard(rows...))
	return nil
}

// lifecycleButtons are what a clerk can do with a consultation in a list:
// open a draft, reopen a closed one, close or broadcast an open one.
func (b *Bot) lifecycleButtons(lang string, c *consultations.Consultation, status consultations.Status) []models.InlineKeyboardButton {
	key := slugKey(c.Slug)
	switch status {
	case consultations.StatusOpen:
		return []models.InlineKeyboardButton{
			btn("⏹ "+b.msg.T(lang, "list_close", nil)+" "+c.Slug, encodeCallback(actAskClose, key)),
			btn("📣 "+b.msg.T(lang, "list_broadcast", nil)+" "+c.Slug, encodeCallback(actListBroadcast, key)),
		}
	case consultations.StatusClosed:
		return []models.InlineKeyboardButton{btn("▶ "+b.msg.T(lang, "list_reopen", nil)+" "+c.Slug, encodeCallback(actAskOpen, key))}
	default:
		return []models.InlineKeyboardButton{btn("▶ "+b.msg.T(lang, "list_open", nil)+" "+c.Slug, encodeCallback(actAskOpen, key))}
	}
}

// openCommand asks to confirm opening (or reopening) a consultation: /open <slug>.
func (b *Bot) openCommand(ctx context.Context, t *turn) error {
	return b.lifecycleCommand(ctx, t, opOpen)
}

// closeCommand asks to confirm closing a consultation: /close <slug>.
func (b *Bot) closeCommand(ctx context.Context, t *turn) error {
	return b.lifecycleCommand(ctx, t, opClose)
}

func (b *Bot) lifecycleCommand(ctx context.Context, t *turn, op string) error {
	slug := strings.TrimSpace(t.args)
	if slug == "" || strings.ContainsAny(slug, " \n") {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "lifecycle_"+op+"_usage", nil), nil)
		return nil
	}
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND || !consultations.SlugPattern.MatchString(slug) {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "lifecycle_unknown", nil), nil)
		return nil
	}
	if err != nil {
		return err
	}
	b.askLifecycle(ctx, t, c, op)
	return nil
}

// askOpen and askClose are the list's buttons: the same confirmation as
// the commands.
func (b *Bot) askOpen(ctx context.Context, t *turn) error  { return b.askByKey(ctx, t, opOpen) }
func (b *Bot) askClose(ctx context.Context, t *turn) error { return b.askByKey(ctx, t, opClose) }

func (b *Bot) askByKey(ctx context.Context, t *turn, op string) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "lifecycle_unknown", nil))
		return nil
	}
	b.askLifecycle(ctx, t, c, op)
	return nil
}

// consultationHeading names a consultation for staff: title, slug, status.
func (b *Bot) consultationHeading(lang string, c *consultations.Consultation) string {
	return "<b>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</b>\n<code>" + html.EscapeString(c.Slug) +
		"</code> · " + b.statusName(lang, c.StatusAt(b.now()))
}

// closesPassed reports whether the consultation's closing time has come.
func closesPassed(c *consultations.Consultation, now time.Time) bool {
	return !c.Closes.IsZero() && !now.Before(c.Closes)
}

// askLifecycle asks the clerk to confirm opening or closing a consultation,
// or says why there is nothing to do.
func (b *Bot) askLifecycle(ctx context.Context, t *turn, c *consultations.Consultation, op string) {
	now := b.now()
	status := c.StatusAt(now)
	head := b.consultationHeading(t.lang, c)
	if why := lifecycleRefusal(c, status, op); why != "" {
		b.send(ctx, t.chatID, b.msg.T(t.lang, why, nil)+"\n\n"+head, nil)
		return
	}
	key, yes := "lifecycle_close_confirm", "⏹ "+b.msg.T(t.lang, "lifecycle_yes_close", nil)
	if op == opOpen {
		key, yes = "lifecycle_open_confirm", "✅ "+b.msg.T(t.lang, "lifecycle_yes_open", nil)
		if status == consultations.StatusClosed {
			key = "lifecycle_reopen_confirm"
		}
	}
	text := b.msg.T(t.lang, key, nil) + "\n\n" + head
	if op == opOpen && closesPassed(c, now) {
		text += "\n\n<i>" + b.msg.T(t.lang, "lifecycle_reopen_clears_closes", nil) + "</i>"
	}
	b.send(ctx, t.chatID, text, keyboard(
		[]models.InlineKeyboardButton{btn(yes, encodeCallback(actLifecycle, op, slugKey(c.Slug)))},
		[]models.InlineKeyboardButton{btn(b.msg.T(t.lang, "lifecycle_keep", nil), encodeCallback(actLifecycleKeep))},
	))
}

// lifecycleRefusal is the message saying why op makes no sense for a
// consultation with the status, or "" when it does. An anonymised
// consultation cannot be reopened: nothing would keep those who answered
// from answering twice.
func lifecycleRefusal(c *consultations.Consultation, status consultations.Status, op string) string {
	switch {
	case op == opOpen && !c.Anonymised.IsZero():
		return "lifecycle_reopen_anonymised"
	case op == opOpen && status == consultations.StatusOpen:
		return "lifecycle_already_open"
	case op == opClose && status == consultations.StatusClosed:
		return "lifecycle_already_closed"
	case op == opClose && status == consultations.StatusDraft:
		return "lifecycle_close_draft"
	}
	return ""
}

// confirmLifecycle opens or closes the consultation once the clerk has
// confirmed. Reopening a consultation whose closing time has passed clears
// that time, or it would close again at once.
func (b *Bot) confirmLifecycle(ctx context.Context, t *turn) error {
	op := t.cb.Args[0]
	if op != opOpen && op != opClose {
		return nil
	}
	found, err := b.consultationByKey(ctx, t.cb.Args[1])
	if err != nil {
		return err
	}
	if found == nil {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "lifecycle_unknown", nil))
		return nil
	}
	c, why, cleared, err := b.setStatus(ctx, found.Slug, op)
	if err != nil {
		return err
	}
	head := b.consultationHeading(t.lang, c)
	if why != "" {
		b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, why, nil)+"\n\n"+head, nil)
		return nil
	}
	detail := ""
	if cleared {
		detail = "closes cleared"
	}
	b.audit(ctx, t, op, c.Slug, detail, true)
	text := "<b>" + b.msg.T(t.lang, "lifecycle_closed", nil) + "</b>\n\n" + head
	if op == opOpen {
		text = "<b>" + b.msg.T(t.lang, "lifecycle_opened", nil) + "</b>\n\n" + head + "\n\n" +
			b.msg.T(t.lang, "authoring_link", nil) + " <code>/start " + html.EscapeString(c.Slug) + "</code>"
		if cleared {
			text += "\n\n<i>" + b.msg.T(t.lang, "lifecycle_closes_cleared", nil) + "</i>"
		}
	}
	b.show(ctx, t.chatID, t.messageID, text, nil)
	return nil
}

// setStatus opens or closes a consultation as stored now (a tap may come
// long after the question). It returns the consultation, why nothing was
// done (a message id) or whether reopening cleared the closing time.
func (b *Bot) setStatus(ctx context.Context, slug, op string) (c *consultations.Consultation, why string, cleared bool, err error) {
	b.consultationMu.Lock()
	defer b.consultationMu.Unlock()
	c, err = b.store.Consultation(ctx, slug)
	if err != nil {
		return nil, "", false, err
	}
	now := b.now()
	if why = lifecycleRefusal(c, c.StatusAt(now), op); why != "" {
		return c, why, false, nil
	}
	c.Status, c.ClosedAt = consultations.StatusClosed, now
	if op == opOpen {
		c.Status, c.ClosedAt = consultations.StatusOpen, time.Time{}
		if closesPassed(c, now) {
			c.Closes, cleared = time.Time{}, true
		}
	}
	if err := b.store.PutConsultation(ctx, c); err != nil {
		return nil, "", false, fmt.Errorf("%s consultation %q: %w", op, slug, err)
	}
	return c, "", cleared, nil
}

// keepAsIs answers "No" to a confirmation.
func (b *Bot) keepAsIs(ctx context.Context, t *turn) error {
	b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, "lifecycle_kept", nil), nil)
	return nil
}

// broadcastButton plans an invitation of subscribers to a consultation from
// the list, as /broadcast <slug> does.
func (b *Bot) broadcastButton(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "lifecycle_unknown", nil))
		return nil
	}
	return b.planBroadcast(ctx, t, c.Slug)
}
