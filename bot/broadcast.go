package bot

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// actBroadcast answers a broadcast's plan: B:<broadcast id>:y sends it,
// B:<broadcast id>:n cancels it.
const actBroadcast = "B"

func init() {
	if _, taken := argCounts[actBroadcast]; taken {
		panic("bot: callback action " + actBroadcast + " is registered twice")
	}
	argCounts[actBroadcast] = 2
}

// broadcastRoutes registers the clerks' broadcast commands.
func (b *Bot) broadcastRoutes() {
	b.staffCommand("broadcast", clerks, b.broadcastCommand)
	b.staffCommand("pause", clerks, b.pauseBroadcast)
	b.staffCommand("resume", clerks, b.resumeBroadcast)
	b.staffButton(actBroadcast, clerks, b.answerBroadcastPlan)
}

// broadcastCommand plans an invitation to a consultation: /broadcast <slug>.
func (b *Bot) broadcastCommand(ctx context.Context, t *turn) error {
	slug := t.args
	if slug == "" || strings.ContainsAny(slug, " \t\n") {
		return b.sayWithOpenList(ctx, t, "broadcast_usage")
	}
	return b.planBroadcast(ctx, t, slug)
}

// planBroadcast counts the subscribers who have not answered the
// consultation, stores the broadcast's outbox (planned) and shows the clerk
// the plan, how long it will take, and buttons to send or cancel it. Other
// screens (a button on a consultation) may call it too.
func (b *Bot) planBroadcast(ctx context.Context, t *turn, slug string) error {
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return b.sayWithOpenList(ctx, t, "broadcast_not_found")
	}
	if err != nil {
		return err
	}
	title := "<b>" + html.EscapeString(c.Title.In(t.lang, c.DefaultLanguage)) + "</b>\n\n"
	if c.StatusAt(b.now()) != consultations.StatusOpen {
		b.send(ctx, t.chatID, title+b.msg.T(t.lang, "broadcast_not_open", nil), nil)
		return nil
	}
	if busy, err := b.broadcastUnderWay(ctx, c.Slug); err != nil || busy {
		if busy {
			b.send(ctx, t.chatID, title+b.msg.T(t.lang, "broadcast_in_progress", nil), nil)
		}
		return err
	}
	deliveries, err := b.broadcastRecipients(ctx, c.Slug)
	if err != nil {
		return err
	}
	if len(deliveries) == 0 {
		b.send(ctx, t.chatID, title+b.msg.T(t.lang, "broadcast_nobody", nil), nil)
		return nil
	}
	// The clerk's language is kept with them, for the status messages the
	// sender writes.
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	bc := &consultations.Broadcast{
		Consultation: c.Slug, By: t.citizen.UserID, ChatID: t.chatID,
		State: consultations.BroadcastPlanned, Created: b.now(),
	}
	if err := b.store.CreateBroadcast(ctx, bc, deliveries); err != nil {
		return err
	}
	rate := b.broadcaster().limit.rate()
	text := "📣 <b>" + b.msg.T(t.lang, "broadcast_title", nil) + "</b>\n" + title +
		b.msg.N(t.lang, "broadcast_recipients", bc.Total, nil) + "\n" +
		b.msg.T(t.lang, "broadcast_estimate", nil) + " " + b.aboutDuration(t.lang, estimate(bc.Total, rate)) +
		" (" + b.msg.N(t.lang, "broadcast_at_rate", int(rate+0.5), nil) + ")\n\n" +
		b.msg.T(t.lang, "broadcast_confirm", nil)
	id := strconv.FormatUint(bc.ID, 10)
	b.send(ctx, t.chatID, text, keyboard([]models.InlineKeyboardButton{
		btn(b.msg.T(t.lang, "broadcast_button_send", nil), encodeCallback(actBroadcast, id, "y")),
		btn(b.msg.T(t.lang, "broadcast_button_cancel", nil), encodeCallback(actBroadcast, id, "n")),
	}))
	return nil
}

// broadcastRecipients are the subscribers who have not answered the
// consultation (no response, or one not completed), each in their language.
func (b *Bot) broadcastRecipients(ctx context.Context, slug string) ([]consultations.Delivery, error) {
	var subs []consultations.Subscriber
	err := b.store.EachSubscriber(ctx, func(s consultations.Subscriber) error {
		subs = append(subs, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Responses are read after the subscribers' transaction has ended: a
	// read inside it could wait on a writer that waits on it.
	var out []consultations.Delivery
	for _, s := range subs {
		r, err := b.store.Response(ctx, slug, consultations.Pseudonym(b.key, s.UserID))
		switch {
		case consultations.ErrorCode(err) == consultations.ENOTFOUND:
		case err != nil:
			return nil, err
		case r.IsCompleted():
			continue
		}
		lang := s.Language
		if !i18n.Supported(lang) {
			lang = b.msg.Default()
		}
		out = append(out, consultations.Delivery{UserID: s.UserID, ChatID: s.ChatID, Language: lang})
	}
	return out, nil
}

// broadcastUnderWay reports whether a broadcast of the consultation is
// sending or paused.
func (b *Bot) broadcastUnderWay(ctx context.Context, slug string) (bool, error) {
	all, err := b.store.Broadcasts(ctx)
	if err != nil {
		return false, err
	}
	for _, bc := range all {
		if bc.Consultation == slug && (bc.State == consultations.BroadcastSending || bc.State == consultations.BroadcastPaused) {
			return true, nil
		}
	}
	return false, nil
}

// answerBroadcastPlan sends or cancels a planned broadcast. The plan's
// message becomes the broadcast's status message.
func (b *Bot) answerBroadcastPlan(ctx context.Context, t *turn) error {
	id, err := strconv.ParseUint(t.cb.Args[0], 10, 64)
	yes := t.cb.Args[1] == "y"
	if err != nil || (!yes && t.cb.Args[1] != "n") {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "broadcast_stale", nil))
		return nil
	}
	s := b.broadcaster()
	planned, err := b.store.Broadcast(ctx, id)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND || (err == nil && planned.State != consultations.BroadcastPlanned) {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "broadcast_stale", nil))
		b.dropKeyboard(ctx, t.chatID, t.messageID)
		return nil
	}
	if err != nil {
		return err
	}
	c, err := b.store.Consultation(ctx, planned.Consultation)
	if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
		return err
	}
	title := planned.Consultation
	if c != nil {
		title = c.Title.In(t.lang, c.DefaultLanguage)
	}
	refuse := ""
	switch busy, err := b.broadcastUnderWay(ctx, planned.Consultation); {
	case err != nil:
		return err
	case !yes:
		refuse = "broadcast_cancelled"
	case c == nil || (planned.Kind == consultations.BroadcastInvite && c.StatusAt(b.now()) != consultations.StatusOpen):
		refuse = "broadcast_not_open"
	case busy:
		refuse = "broadcast_in_progress"
	}
	want := consultations.BroadcastSending
	if refuse != "" {
		want = consultations.BroadcastCancelled
	}
	bc, changed, err := s.change(ctx, id, func(bc *consultations.Broadcast) bool {
		if bc.State != consultations.BroadcastPlanned {
			return false
		}
		bc.State, bc.ChatID, bc.StatusMsg = want, t.chatID, t.messageID
		if want == consultations.BroadcastSending {
			bc.Started = b.now()
		} else {
			bc.Finished = b.now()
		}
		return true
	})
	if err != nil {
		return err
	}
	if !changed { // a double tap
		b.answerQuery(ctx, t, b.msg.T(t.lang, "broadcast_stale", nil))
		return nil
	}
	if refuse != "" {
		b.show(ctx, t.chatID, t.messageID, "<b>"+html.EscapeString(title)+"</b>\n\n"+b.msg.T(t.lang, refuse, nil), nil)
		return nil
	}
	b.audit(ctx, t, "broadcast", bc.Consultation, fmt.Sprintf("%d recipients", bc.Total), true)
	b.answerQuery(ctx, t, "")
	state := "broadcast_status_sending"
	if active := s.activeID(); active != 0 && active != bc.ID {
		state = "broadcast_status_queued"
	}
	b.showBroadcastStatus(ctx, t.lang, bc, title, state)
	s.notify()
	return nil
}

// pauseBroadcast stops sending until /resume: /pause [slug]; without a
// slug, the latest broadcast being sent.
func (b *Bot) pauseBroadcast(ctx context.Context, t *turn) error {
	return b.switchBroadcast(ctx, t, consultations.BroadcastSending, consultations.BroadcastPaused)
}

// resumeBroadcast carries on sending: /resume [slug]; without a slug, the
// latest paused broadcast.
func (b *Bot) resumeBroadcast(ctx context.Context, t *turn) error {
	return b.switchBroadcast(ctx, t, consultations.BroadcastPaused, consultations.BroadcastSending)
}

// switchBroadcast moves the latest broadcast (of the consultation in the
// command's argument, if any) from one state to the other.
func (b *Bot) switchBroadcast(ctx context.Context, t *turn, from, to consultations.BroadcastState) error {
	action, nothing, ok := "pause", "broadcast_nothing_to_pause", "broadcast_paused"
	if to == consultations.BroadcastSending {
		action, nothing, ok = "resume", "broadcast_nothing_to_resume", "broadcast_resumed"
	}
	all, err := b.store.Broadcasts(ctx)
	if err != nil {
		return err
	}
	var target *consultations.Broadcast
	for _, bc := range all { // newest first
		if bc.State == from && (t.args == "" || bc.Consultation == t.args) {
			target = bc
			break
		}
	}
	if target == nil {
		b.send(ctx, t.chatID, b.msg.T(t.lang, nothing, nil), nil)
		return nil
	}
	c, err := b.store.Consultation(ctx, target.Consultation)
	if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
		return err
	}
	title := target.Consultation
	if c != nil {
		title = c.Title.In(t.lang, c.DefaultLanguage)
	}
	heading := "<b>" + html.EscapeString(title) + "</b>\n"
	if to == consultations.BroadcastSending && (c == nil || (target.Kind == consultations.BroadcastInvite && c.StatusAt(b.now()) != consultations.StatusOpen)) {
		b.send(ctx, t.chatID, heading+b.msg.T(t.lang, "broadcast_cannot_resume", nil), nil)
		return nil
	}
	s := b.broadcaster()
	bc, changed, err := s.change(ctx, target.ID, func(bc *consultations.Broadcast) bool {
		if bc.State != from {
			return false
		}
		bc.State = to
		return true
	})
	if err != nil {
		return err
	}
	if !changed {
		b.send(ctx, t.chatID, b.msg.T(t.lang, nothing, nil), nil)
		return nil
	}
	b.audit(ctx, t, action, bc.Consultation, "", true)
	s.notify()
	num := func(n int) string { return b.msg.Number(t.lang, n) }
	b.send(ctx, t.chatID, heading+b.msg.T(t.lang, ok, map[string]any{"N": num(bc.Sent), "Total": num(bc.Total)}), nil)
	// The sender shows the pause itself once the messages in flight are
	// settled; a broadcast it is not sending is shown here.
	if active := s.activeID(); active != bc.ID {
		state := "broadcast_status_paused"
		if to == consultations.BroadcastSending {
			state = "broadcast_status_sending"
			if active != 0 {
				state = "broadcast_status_queued"
			}
		}
		lang := b.citizenLang(ctx, bc.By)
		if c != nil {
			title = c.Title.In(lang, c.DefaultLanguage)
		}
		b.showBroadcastStatus(ctx, lang, bc, title, state)
	}
	return nil
}

// citizenLang is the language a user reads the bot in (the default for
// someone the bot doesn't know).
func (b *Bot) citizenLang(ctx context.Context, userID int64) string {
	if c, err := b.store.Citizen(ctx, userID); err == nil && i18n.Supported(c.Language) {
		return c.Language
	}
	return b.msg.Default()
}

// showBroadcastStatus shows a broadcast's status message as a clerk's
// command leaves it; the sender takes over from there.
func (b *Bot) showBroadcastStatus(ctx context.Context, lang string, bc *consultations.Broadcast, title, state string) {
	s := b.broadcaster()
	v := statusView{state: state, left: -1}
	if state == "broadcast_status_sending" || state == "broadcast_status_queued" {
		v.left = estimate(bc.Pending(), s.limit.rate())
	}
	if err := s.showStatus(ctx, bc, b.broadcastStatus(lang, bc, title, v), true); err != nil {
		b.log.Warn("broadcast: show status", "broadcast", bc.ID, "err", err)
	}
}

// sayWithOpenList sends a message followed by the slugs of the open
// consultations, which /broadcast takes.
func (b *Bot) sayWithOpenList(ctx context.Context, t *turn, key string) error {
	open, err := b.openConsultations(ctx)
	if err != nil {
		return err
	}
	text := b.msg.T(t.lang, key, nil) + "\n\n"
	if len(open) == 0 {
		text += b.msg.T(t.lang, "broadcast_none_open", nil)
	} else {
		text += b.msg.T(t.lang, "broadcast_open_list", nil)
		for _, c := range open {
			text += "\n• <code>" + html.EscapeString(c.Slug) + "</code> " + html.EscapeString(c.Title.In(t.lang, c.DefaultLanguage))
		}
	}
	b.send(ctx, t.chatID, text, nil)
	return nil
}

// invitation is the message a subscriber gets: the consultation's title
// and intro in their language, and a button that opens it.
func (b *Bot) invitation(c *consultations.Consultation, lang string) screen {
	text := b.msg.T(lang, "broadcast_invitation", nil) + "\n\n<b>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</b>"
	if intro := c.Intro.In(lang, c.DefaultLanguage); intro != "" {
		text += "\n\n" + html.EscapeString(intro)
	}
	text += "\n\n<i>" + b.msg.T(lang, "broadcast_invitation_footer", nil) + "</i>"
	return screen{text: text, kb: keyboard([]models.InlineKeyboardButton{
		btn(b.msg.T(lang, "broadcast_button_open", nil), encodeCallback(actOpen, slugKey(c.Slug))),
	})}
}
