package bot

import (
	"html"
	"slices"
	"strconv"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// A screen is what one message shows: HTML text and its buttons.
type screen struct {
	text string
	kb   *models.InlineKeyboardMarkup
}

func btn(text, data string) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: text, CallbackData: data}
}

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	var kept [][]models.InlineKeyboardButton
	for _, r := range rows {
		if len(r) > 0 {
			kept = append(kept, r)
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kept}
}

// listScreen is the open consultations as buttons, under a heading.
func (b *Bot) listScreen(lang, heading string, open []*consultations.Consultation) screen {
	if len(open) == 0 {
		return screen{text: heading + "\n\n" + b.msg.T(lang, "no_open_consultations", nil)}
	}
	var rows [][]models.InlineKeyboardButton
	for _, c := range open {
		rows = append(rows, []models.InlineKeyboardButton{btn(c.Title.In(lang, c.DefaultLanguage), encodeCallback(actOpen, slugKey(c.Slug)))})
	}
	return screen{text: heading + "\n\n" + b.msg.T(lang, "open_consultations", nil), kb: keyboard(rows...)}
}

// introScreen presents a consultation before the first question, with the
// start button first.
func (b *Bot) introScreen(c *consultations.Consultation, lang string, answered bool) screen {
	text := "<b>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</b>"
	if intro := c.Intro.In(lang, c.DefaultLanguage); intro != "" {
		text += "\n\n" + html.EscapeString(intro)
	}
	label := b.msg.T(lang, "button_start", nil)
	if answered {
		text += "\n\n" + b.msg.T(lang, "already_answered", nil)
		label = b.msg.T(lang, "button_review", nil)
	} else {
		_, total := c.Progress(c.Questions[0].ID, nil)
		text += "\n\n<i>" + b.msg.N(lang, "intro_questions", total, nil) + "</i>"
	}
	return screen{text: text, kb: keyboard(
		[]models.InlineKeyboardButton{btn(label, encodeCallback(actBegin, slugKey(c.Slug)))},
		[]models.InlineKeyboardButton{btn(b.msg.T(lang, "button_other_consultations", nil), encodeCallback(actList))},
	)}
}

// satisfactionFaces make the 1-5 buttons readable at a glance; the digit
// stays visible.
var satisfactionFaces = []string{"😞", "🙁", "😐", "🙂", "😄"}

// questionScreen shows the session's current question with its progress
// line, its buttons (the recorded answer marked) and back and skip.
func (b *Bot) questionScreen(c *consultations.Consultation, s *consultations.Session, r *consultations.Response, lang string) screen {
	q := c.Question(s.Question)
	n, total := c.Progress(q.ID, r.Answers)
	text := "<i>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</i>\n" +
		b.msg.T(lang, "question_progress", map[string]any{"N": n, "Total": total}) + "\n\n" +
		"<b>" + html.EscapeString(q.Text.In(lang, c.DefaultLanguage)) + "</b>"
	prev, answered := r.Answers[q.ID]
	chosen := func(id string) bool { return answered && slices.Contains(prev.Choices, id) }
	number := func(v int) bool { return answered && prev.Number == v }
	mark := func(on bool, label string) string {
		if on {
			return "✓ " + label
		}
		return label
	}
	var rows [][]models.InlineKeyboardButton
	switch q.Kind {
	case consultations.KindSingle:
		for i, o := range q.Options {
			rows = append(rows, []models.InlineKeyboardButton{btn(mark(chosen(o.ID), o.Text.In(lang, c.DefaultLanguage)), encodeCallback(actAnswer, q.ID, strconv.Itoa(i)))})
		}
	case consultations.KindMultiple:
		hint := b.msg.T(lang, "hint_multiple_any", nil)
		if q.Max > 0 {
			hint = b.msg.N(lang, "hint_multiple", q.Max, nil)
		}
		text += "\n<i>" + hint + "</i>"
		for i, o := range q.Options {
			rows = append(rows, []models.InlineKeyboardButton{btn(mark(slices.Contains(s.Selected, o.ID), o.Text.In(lang, c.DefaultLanguage)), encodeCallback(actToggle, q.ID, strconv.Itoa(i)))})
		}
		rows = append(rows, []models.InlineKeyboardButton{btn(b.msg.T(lang, "button_confirm", nil), encodeCallback(actConfirm, q.ID))})
	case consultations.KindSatisfaction:
		text += "\n<i>" + b.msg.T(lang, "hint_satisfaction", nil) + "</i>"
		var row []models.InlineKeyboardButton
		for v := 1; v <= 5; v++ {
			row = append(row, btn(mark(number(v), strconv.Itoa(v)+" "+satisfactionFaces[v-1]), encodeCallback(actAnswer, q.ID, strconv.Itoa(v))))
		}
		rows = append(rows, row)
	case consultations.KindScale:
		text += "\n<i>" + b.msg.T(lang, "hint_scale", nil) + "</i>"
		var low, high []models.InlineKeyboardButton
		for v := 0; v <= 10; v++ {
			bt := btn(mark(number(v), strconv.Itoa(v)), encodeCallback(actAnswer, q.ID, strconv.Itoa(v)))
			if v <= 5 {
				low = append(low, bt)
			} else {
				high = append(high, bt)
			}
		}
		rows = append(rows, low, high)
	case consultations.KindText:
		text += "\n<i>" + b.msg.N(lang, "hint_text", q.MaxLength, nil) + "</i>"
		if answered {
			text += "\n\n" + b.msg.T(lang, "your_answer", map[string]any{"Answer": html.EscapeString(prev.Text)})
		}
	}
	var nav []models.InlineKeyboardButton
	if len(s.Trail) > 0 {
		nav = append(nav, btn("← "+b.msg.T(lang, "button_back", nil), encodeCallback(actBack, q.ID)))
	}
	if q.Optional {
		nav = append(nav, btn(b.msg.T(lang, "button_skip", nil)+" →", encodeCallback(actSkip, q.ID)))
	}
	rows = append(rows, nav)
	return screen{text: text, kb: keyboard(rows...)}
}

// thanksScreen closes a consultation for the citizen, saying how many
// people have answered so far.
func (b *Bot) thanksScreen(c *consultations.Consultation, lang string, count int) screen {
	return screen{
		text: "<b>" + b.msg.T(lang, "thanks", nil) + "</b>\n" + b.msg.N(lang, "answered_so_far", count, nil),
		kb:   keyboard([]models.InlineKeyboardButton{btn(b.msg.T(lang, "button_other_consultations", nil), encodeCallback(actList))}),
	}
}

// languageScreen offers every language, the current one marked.
func (b *Bot) languageScreen(lang string) screen {
	var rows [][]models.InlineKeyboardButton
	for _, l := range i18n.Languages {
		label := i18n.Name(l)
		if l == lang {
			label = "✓ " + label
		}
		rows = append(rows, []models.InlineKeyboardButton{btn(label, encodeCallback(actLanguage, l))})
	}
	return screen{text: b.msg.T(lang, "language_choose", nil), kb: keyboard(rows...)}
}
