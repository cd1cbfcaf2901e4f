package bot

import (
	"context"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// start welcomes the citizen and lists the open consultations, or, with a
// deep-link payload (t.me/<bot>?start=<slug>), goes straight into one.
func (b *Bot) start(ctx context.Context, t *turn) error {
	if t.args == "" {
		if err := b.welcome(ctx, t, b.msg.T(t.lang, "welcome", nil)); err != nil {
			return err
		}
		return b.askSubscribe(ctx, t)
	}
	c, err := b.store.Consultation(ctx, t.args)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND || !consultations.SlugPattern.MatchString(t.args) {
		return b.welcome(ctx, t, b.msg.T(t.lang, "consultation_not_found", nil))
	}
	if err != nil {
		return err
	}
	return b.present(ctx, t, c, 0)
}

// welcome sends heading and the open consultations as buttons.
func (b *Bot) welcome(ctx context.Context, t *turn, heading string) error {
	open, err := b.openConsultations(ctx)
	if err != nil {
		return err
	}
	s := b.listScreen(t.lang, heading, open)
	b.send(ctx, t.chatID, s.text, s.kb)
	return nil
}

// list shows the open consultations in place of the pressed message.
func (b *Bot) list(ctx context.Context, t *turn) error {
	open, err := b.openConsultations(ctx)
	if err != nil {
		return err
	}
	s := b.listScreen(t.lang, b.msg.T(t.lang, "welcome_back", nil), open)
	b.show(ctx, t.chatID, t.messageID, s.text, s.kb)
	return nil
}

// openFromList presents the consultation whose button was pressed.
func (b *Bot) openFromList(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil {
		return b.closedNotice(ctx, t)
	}
	return b.present(ctx, t, c, t.messageID)
}

// present shows a consultation's intro in message id (0: a new message),
// or resumes the question the citizen was on.
func (b *Bot) present(ctx context.Context, t *turn, c *consultations.Consultation, id int) error {
	if c.StatusAt(b.now()) != consultations.StatusOpen {
		return b.closedNotice(ctx, t)
	}
	s := t.citizen.Session
	if s != nil && s.Consultation == c.Slug && s.Question != "" {
		r, err := b.response(ctx, t, c)
		if err != nil {
			return err
		}
		b.dropKeyboard(ctx, t.chatID, s.MessageID)
		sc := b.questionScreen(c, s, r, t.lang)
		s.MessageID = b.show(ctx, t.chatID, id, sc.text, sc.kb)
		return b.commit(ctx, t, nil)
	}
	r, err := b.store.Response(ctx, c.Slug, b.participant(t))
	if err != nil && consultations.ErrorCode(err) != consultations.ENOTFOUND {
		return err
	}
	sc := b.introScreen(c, t.lang, r != nil && r.IsCompleted())
	msgID := b.show(ctx, t.chatID, id, sc.text, sc.kb)
	t.citizen.Session = &consultations.Session{Consultation: c.Slug, MessageID: msgID, Started: b.now()}
	return b.commit(ctx, t, nil)
}

// closedNotice tells the citizen, kindly, that a consultation doesn't take
// answers now, and shows the open ones.
func (b *Bot) closedNotice(ctx context.Context, t *turn) error {
	if t.citizen.Session != nil {
		t.citizen.Session = nil
		if err := b.commit(ctx, t, nil); err != nil {
			return err
		}
	}
	open, err := b.openConsultations(ctx)
	if err != nil {
		return err
	}
	s := b.listScreen(t.lang, b.msg.T(t.lang, "consultation_closed", nil), open)
	b.show(ctx, t.chatID, t.messageID, s.text, s.kb)
	return nil
}

// help explains what the bot does and its commands.
func (b *Bot) help(ctx context.Context, t *turn) error {
	b.send(ctx, t.chatID, b.msg.T(t.lang, "help", nil), nil)
	return nil
}

// cancel leaves the current consultation; answers so far stay recorded.
func (b *Bot) cancel(ctx context.Context, t *turn) error {
	if handled, err := b.cancelWizard(ctx, t); handled || err != nil {
		return err
	}
	s := t.citizen.Session
	if s == nil {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "nothing_to_cancel", nil), nil)
		return nil
	}
	t.citizen.Session = nil
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.dropKeyboard(ctx, t.chatID, s.MessageID)
	b.send(ctx, t.chatID, b.msg.T(t.lang, "cancelled", nil), nil)
	return nil
}

// language offers the languages the bot speaks.
func (b *Bot) language(ctx context.Context, t *turn) error {
	s := b.languageScreen(t.lang)
	b.send(ctx, t.chatID, s.text, s.kb)
	return nil
}

// setLanguage remembers the citizen's choice and, in the middle of a
// consultation, shows the current question again in that language. It is
// open before the privacy notice is accepted, and then stores nothing else.
func (b *Bot) setLanguage(ctx context.Context, t *turn) error {
	lang := t.cb.Args[0]
	if !i18n.Supported(lang) {
		return nil
	}
	if err := b.keepLanguage(ctx, t, lang); err != nil {
		return err
	}
	b.show(ctx, t.chatID, t.messageID, b.msg.T(lang, "language_set", nil), nil)
	if !t.citizen.HasConsented() {
		// Chosen before accepting the privacy notice: the notice again,
		// now in that language.
		n := b.privacyScreen(lang, noLink, true)
		b.send(ctx, t.chatID, n.text, n.kb)
		return nil
	}
	if s := t.citizen.Session; s != nil && s.Question != "" {
		c, err := b.store.Consultation(ctx, s.Consultation)
		if err != nil {
			return err
		}
		return b.present(ctx, t, c, 0)
	}
	return nil
}

// fallback answers anything no other handler took: a text answer when the
// citizen is on a text question, otherwise a pointer to what they can do.
func (b *Bot) fallback(ctx context.Context, t *turn) error {
	if t.query != nil {
		// Unknown or malformed button data: nothing to do, safely.
		return nil
	}
	if handled, err := b.wizardText(ctx, t); handled || err != nil {
		return err
	}
	if m := t.update.Message; m != nil && m.Document != nil {
		if handled, err := b.importDocument(ctx, t); handled || err != nil {
			return err
		}
	}
	s := t.citizen.Session
	if s == nil || s.Question == "" {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "didnt_understand", nil), nil)
		return nil
	}
	return b.textAnswer(ctx, t)
}

// openConsultations lists the consultations taking answers now.
func (b *Bot) openConsultations(ctx context.Context) ([]*consultations.Consultation, error) {
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return nil, err
	}
	var open []*consultations.Consultation
	now := b.now()
	for _, c := range all {
		if c.StatusAt(now) == consultations.StatusOpen {
			open = append(open, c)
		}
	}
	return open, nil
}

// consultationByKey finds the consultation a button names by its key, nil
// if there is none any more.
func (b *Bot) consultationByKey(ctx context.Context, key string) (*consultations.Consultation, error) {
	b.slugsMu.Lock()
	slug, ok := b.slugs[key]
	b.slugsMu.Unlock()
	if !ok {
		all, err := b.store.Consultations(ctx)
		if err != nil {
			return nil, err
		}
		b.slugsMu.Lock()
		for _, c := range all {
			b.slugs[slugKey(c.Slug)] = c.Slug
		}
		slug, ok = b.slugs[key]
		b.slugsMu.Unlock()
		if !ok {
			return nil, nil
		}
	}
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return nil, nil
	}
	return c, err
}
