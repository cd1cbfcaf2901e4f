package bot

import (
	"context"
	"html"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// Button actions of the privacy notice. They all start with 'p', so that
// they never collide with the other actions (see callback.go).
const (
	actAccept         = "pa" // pa:<key or ->: accept the notice, then go on to the consultation with the key (a deep link), or the welcome
	actDecline        = "pd" // pd: decline the notice
	actNoticeLanguage = "pl" // pl:<code>:<key or ->: read the notice in another language
)

// noLink stands for "no consultation" where a consultation's key goes in
// the notice's buttons. Keys are lower-case base32, so it is never one.
const noLink = "-"

func init() {
	for action, n := range map[string]int{actAccept: 1, actDecline: 0, actNoticeLanguage: 2} {
		if _, taken := argCounts[action]; taken {
			panic("bot: callback action " + action + " is registered twice")
		}
		argCounts[action] = n
	}
}

// privacyRoutes registers what a citizen may do before accepting the
// privacy notice: read it, accept or decline it, and choose a language.
// None of these stores anything but a language choice.
func (b *Bot) privacyRoutes() {
	b.handleCommand("privacy", b.privacy)
	b.handleCommand("language", b.language)
	b.handleButton(actLanguage, b.setLanguage)
	b.handleButton(actAccept, b.acceptPrivacy)
	b.handleButton(actDecline, b.declinePrivacy)
	b.handleButton(actNoticeLanguage, b.noticeLanguage)
}

// requireConsent is the one gate in front of every citizen handler
// (command, button and the fallback register through it): until the
// citizen accepts the privacy notice, whatever they send gets the notice,
// and nothing about them is stored. Staff at work pass (see staffAtWork):
// their staff records are their own data as staff. Staff commands and
// buttons don't come here at all; they have the role gate instead.
func (b *Bot) requireConsent(h handlerFunc) handlerFunc {
	return func(ctx context.Context, t *turn) error {
		if t.citizen.HasConsented() || b.staffAtWork(t) {
			return h(ctx, t)
		}
		s := b.privacyScreen(t.lang, pendingLink(t), true)
		b.send(ctx, t.chatID, s.text, s.kb)
		return nil
	}
}

// staffAtWork reports whether a message that reaches a citizen handler is
// in fact a staff member's work: their answer in a /new dialogue (or its
// /cancel), a consultation file they send, or /results SLUG.
func (b *Bot) staffAtWork(t *turn) bool {
	m := t.update.Message
	if m == nil || !b.roles.isStaff(t.citizen.UserID) {
		return false
	}
	cmd, _ := parseCommand(t.update)
	switch {
	case cmd == "results":
		return t.args != "" && b.roles.may(t.citizen.UserID, readResults)
	case t.citizen.Wizard != nil:
		return cmd == "" || cmd == "cancel"
	default:
		return m.Document != nil && cmd == ""
	}
}

// pendingLink is the key of the consultation the held update pointed to (a
// deep link, or a consultation's button in an invitation), so that
// accepting the notice leads there; noLink when there is none.
func pendingLink(t *turn) string {
	if cmd, args := parseCommand(t.update); cmd == "start" && consultations.SlugPattern.MatchString(args) {
		return slugKey(args)
	}
	if t.query != nil && (t.cb.Action == actOpen || t.cb.Action == actBegin) {
		return t.cb.Args[0]
	}
	return noLink
}

// privacyScreen is the privacy notice in lang: what is kept, why, for how
// long, who sees it, the citizen's rights, who is responsible and the full
// policy. asking adds the question and its buttons (Accept first), with
// the other languages below, carrying the consultation key link.
func (b *Bot) privacyScreen(lang, link string, asking bool) screen {
	text := b.msg.T(lang, "privacy_notice", nil)
	var who string
	if b.privacyContact != "" {
		who = b.msg.T(lang, "privacy_contact", map[string]any{"Contact": html.EscapeString(b.privacyContact)})
	}
	if b.privacyURL != "" {
		if who != "" {
			who += "\n"
		}
		who += b.msg.T(lang, "privacy_policy", map[string]any{"URL": html.EscapeString(b.privacyURL)})
	}
	if who != "" {
		text += "\n\n" + who
	}
	if !asking {
		return screen{text: text + "\n\n" + b.msg.T(lang, "privacy_given", nil)}
	}
	var others []models.InlineKeyboardButton
	for _, l := range i18n.Languages {
		if l != lang {
			others = append(others, btn(i18n.Name(l), encodeCallback(actNoticeLanguage, l, link)))
		}
	}
	return screen{
		text: text + "\n\n" + b.msg.T(lang, "privacy_question", nil),
		kb: keyboard(
			[]models.InlineKeyboardButton{btn("✅ "+b.msg.T(lang, "privacy_button_accept", nil), encodeCallback(actAccept, link))},
			[]models.InlineKeyboardButton{btn(b.msg.T(lang, "privacy_button_decline", nil), encodeCallback(actDecline))},
			others,
		),
	}
}

// privacy shows the notice again: /privacy. Its buttons come only while
// the citizen hasn't accepted it.
func (b *Bot) privacy(ctx context.Context, t *turn) error {
	s := b.privacyScreen(t.lang, noLink, !t.citizen.HasConsented())
	b.send(ctx, t.chatID, s.text, s.kb)
	return nil
}

// acceptPrivacy records that the citizen accepted the notice, and takes
// them where they were going: the consultation a link pointed to, or the
// welcome.
func (b *Bot) acceptPrivacy(ctx context.Context, t *turn) error {
	if t.citizen.HasConsented() {
		// A second tap, or an old notice: nothing to do.
		b.dropKeyboard(ctx, t.chatID, t.messageID)
		return nil
	}
	t.citizen.Consented = b.now()
	if t.citizen.Created.IsZero() {
		t.citizen.Created = t.citizen.Consented
	}
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.dropKeyboard(ctx, t.chatID, t.messageID)
	// What follows comes in new messages, under the notice.
	t.messageID = 0
	if link := t.cb.Args[0]; link != noLink {
		c, err := b.consultationByKey(ctx, link)
		if err != nil {
			return err
		}
		if c == nil {
			return b.welcome(ctx, t, b.msg.T(t.lang, "consultation_not_found", nil))
		}
		return b.present(ctx, t, c, 0)
	}
	if err := b.welcome(ctx, t, b.msg.T(t.lang, "welcome", nil)); err != nil {
		return err
	}
	return b.askSubscribe(ctx, t)
}

// declinePrivacy leaves the citizen be, kindly. Whatever was stored about
// them before (a language choice; a record from before privacy notices
// existed) is deleted; staff keep theirs.
func (b *Bot) declinePrivacy(ctx context.Context, t *turn) error {
	b.dropKeyboard(ctx, t.chatID, t.messageID)
	if t.citizen.HasConsented() {
		return nil // an old notice; /forget is the way out
	}
	if !t.isNew && !b.roles.isStaff(t.citizen.UserID) {
		if err := b.store.DeleteCitizen(ctx, t.citizen.UserID); err != nil {
			return err
		}
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "privacy_declined", nil), nil)
	return nil
}

// noticeLanguage shows the notice again, in place, in the language chosen
// under it, and remembers that choice.
func (b *Bot) noticeLanguage(ctx context.Context, t *turn) error {
	lang, link := t.cb.Args[0], t.cb.Args[1]
	if !i18n.Supported(lang) {
		return nil
	}
	if err := b.keepLanguage(ctx, t, lang); err != nil {
		return err
	}
	s := b.privacyScreen(lang, link, !t.citizen.HasConsented())
	b.show(ctx, t.chatID, t.messageID, s.text, s.kb)
	return nil
}

// keepLanguage remembers the citizen's choice of language. Before they
// accept the privacy notice, it is all that is stored about them: a new
// citizen's record holds their user id and language only, and a record
// from before notices existed is kept as it was, with the new language.
func (b *Bot) keepLanguage(ctx context.Context, t *turn, lang string) error {
	t.citizen.Language, t.citizen.LanguageChosen, t.lang = lang, true, lang
	if b.mayStore(t) {
		return b.commit(ctx, t, nil)
	}
	only := &consultations.Citizen{UserID: t.citizen.UserID}
	if !t.isNew {
		stored, err := b.store.Citizen(ctx, t.citizen.UserID)
		if err != nil {
			return err
		}
		only = stored
	}
	only.Language, only.LanguageChosen = lang, true
	return b.commitChange(ctx, t, consultations.Change{UpdateID: t.update.ID, Citizen: only})
}

// mayStore reports whether the bot may store what it knows about the
// sender: once they accepted the privacy notice, or as staff.
func (b *Bot) mayStore(t *turn) bool {
	return t.citizen.HasConsented() || b.roles.isStaff(t.citizen.UserID)
}
