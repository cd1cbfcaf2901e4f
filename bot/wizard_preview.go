package bot

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// showPreview shows the consultation the dialogue has built exactly as a
// citizen would see it (its intro, then its question, in the clerk's
// language), with buttons that record nothing, and asks what to do with it.
func (b *Bot) showPreview(ctx context.Context, t *turn) error {
	w := t.citizen.Wizard
	w.Step = stepPreview
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	c := draftConsultation(w.Data, "preview")
	b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_preview", nil), nil)
	intro := b.introScreen(c, t.lang, false)
	b.send(ctx, t.chatID, intro.text, inert(intro.kb))
	s := &consultations.Session{Consultation: c.Slug, Question: c.Questions[0].ID}
	q := b.questionScreen(c, s, &consultations.Response{Answers: map[string]consultations.Answer{}}, t.lang)
	b.send(ctx, t.chatID, q.text, inert(q.kb))
	w.MessageID = b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_preview_actions", nil), b.previewActions(t.lang))
	return b.commit(ctx, t, nil)
}

// previewActions are the buttons under a preview.
func (b *Bot) previewActions(lang string) *models.InlineKeyboardMarkup {
	return keyboard(
		[]models.InlineKeyboardButton{btn("💾 "+b.msg.T(lang, "wizard_save", nil), encodeCallback(actWizSave, "save"))},
		[]models.InlineKeyboardButton{
			btn("↺ "+b.msg.T(lang, "wizard_start_over", nil), encodeCallback(actWizSave, "restart")),
			btn(b.msg.T(lang, "wizard_cancel", nil), encodeCallback(actWizSave, "cancel")),
		},
	)
}

// inert is a copy of a citizen's keyboard whose buttons look the same but
// only say that this is a preview.
func inert(kb *models.InlineKeyboardMarkup) *models.InlineKeyboardMarkup {
	if kb == nil {
		return nil
	}
	out := &models.InlineKeyboardMarkup{}
	for _, row := range kb.InlineKeyboard {
		var r []models.InlineKeyboardButton
		for _, bt := range row {
			r = append(r, btn(bt.Text, encodeCallback(actWizPreview)))
		}
		out.InlineKeyboard = append(out.InlineKeyboard, r)
	}
	return out
}

// wizardPreviewTap answers a tap on a preview's citizen buttons.
func (b *Bot) wizardPreviewTap(ctx context.Context, t *turn) error {
	b.answerQuery(ctx, t, b.msg.T(t.lang, "wizard_preview_tap", nil))
	return nil
}

// wizardFinish does what the clerk chose under the preview: save the
// consultation as a draft, start over, or cancel.
func (b *Bot) wizardFinish(ctx context.Context, t *turn) error {
	if _, ok := b.wizardAt(ctx, t, stepPreview); !ok {
		return nil
	}
	switch t.cb.Args[0] {
	case "save":
		return b.saveDraft(ctx, t)
	case "restart":
		return b.newConsultation(ctx, t)
	case "cancel":
		_, err := b.cancelWizard(ctx, t)
		return err
	}
	return nil
}

// saveDraft stores the consultation the dialogue built, as a draft, under
// a slug made from its Spanish title, and says how to open it.
func (b *Bot) saveDraft(ctx context.Context, t *turn) error {
	w := t.citizen.Wizard
	b.consultationMu.Lock()
	defer b.consultationMu.Unlock()
	slug := w.Data[keySlug]
	if slug == "" {
		var err error
		if slug, err = b.freeSlug(ctx, w.Data[stepTitleES]); err != nil {
			return err
		}
		// Remembered first: if the bot stops before the dialogue ends, the
		// same update saves under the same slug again, not a second copy.
		w.Data[keySlug] = slug
		if err := b.commit(ctx, t, nil); err != nil {
			return err
		}
	}
	c := draftConsultation(w.Data, slug)
	if problems := c.Validate(); len(problems) > 0 {
		b.sendProblems(ctx, t, b.msg.T(t.lang, "wizard_invalid", nil), "", problems)
		return nil
	}
	if err := b.store.PutConsultation(ctx, c); err != nil {
		var v *consultations.ValidationError
		if errors.As(err, &v) {
			b.sendProblems(ctx, t, b.msg.T(t.lang, "wizard_invalid", nil), "", v.Problems)
			return nil
		}
		return err
	}
	b.audit(ctx, t, "new", slug, fmt.Sprintf("%d questions, draft", len(c.Questions)), true)
	t.citizen.Wizard = nil
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	text := "<b>" + b.msg.T(t.lang, "wizard_saved", nil) + "</b>\n\n" +
		b.msg.T(t.lang, "authoring_slug", nil) + " <code>" + html.EscapeString(slug) + "</code>\n" +
		b.msg.T(t.lang, "authoring_link", nil) + " <code>/start " + html.EscapeString(slug) + "</code>\n\n" +
		b.msg.T(t.lang, "authoring_next_open", nil) + " <code>/open " + html.EscapeString(slug) + "</code>"
	b.show(ctx, t.chatID, t.messageID, text, nil)
	return nil
}

// maxProblemsShown is how many problems a refusal lists; a file with more
// has bigger trouble than a list can help with.
const maxProblemsShown = 40

// maxProblemLength cuts a problem quoting a huge value, in characters.
const maxProblemLength = 500

// sendProblems sends a heading and every problem on its own line, as
// `parlabot import` prints them ("file: path (line n): message"), over as
// many messages as Telegram's length limit needs. f, when given, supplies
// the lines of problems found after parsing (by the store, say).
func (b *Bot) sendProblems(ctx context.Context, t *turn, heading, file string, problems []consultations.Problem) {
	var msgs []string
	cur := heading + "\n"
	for i, p := range problems {
		if i == maxProblemsShown {
			cur += "\n" + b.msg.N(t.lang, "import_more_problems", len(problems)-i, nil)
			break
		}
		line := p.String()
		if file != "" {
			line = file + ": " + line
		}
		if r := []rune(line); len(r) > maxProblemLength {
			line = string(r[:maxProblemLength]) + "…"
		}
		line = "\n" + html.EscapeString(line)
		if len(cur)+len(line) > 3800 {
			msgs = append(msgs, cur)
			cur = strings.TrimPrefix(line, "\n")
			continue
		}
		cur += line
	}
	for _, m := range append(msgs, cur) {
		b.send(ctx, t.chatID, m, nil)
	}
}
