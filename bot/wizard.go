package bot

import (
	"context"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// wizardNew is the Kind of the /new dialogue in Citizen.Wizard.
const wizardNew = "new"

// The steps of /new; Wizard.Step holds the one waiting for the clerk. Text
// steps are named after the data key they fill.
const (
	stepCommitment      = "commitment"
	stepCommitmentTitle = keyCommitmentTitle + ".es"
	stepPillar          = "pillar"
	stepTitleES         = keyTitle + ".es"
	stepTitlePT         = keyTitle + ".pt"
	stepKind            = "kind"
	stepTextES          = keyText + ".es"
	stepTextPT          = keyText + ".pt"
	stepTextEN          = keyText + ".en"
	stepTextFR          = keyText + ".fr"
	stepOptionsES       = keyOptions + ".es"
	stepOptionsPT       = keyOptions + ".pt"
	stepMax             = "max"
	stepPreview         = "preview"
)

// buttonSteps wait for a tap, not a message.
var buttonSteps = []string{stepCommitment, stepPillar, stepKind, stepPreview}

// skippableSteps have a Skip (or No limit) button.
var skippableSteps = []string{stepTextEN, stepTextFR, stepMax}

// maxCommitmentButtons is how many known commitments /new offers.
const maxCommitmentButtons = 20

// nextStep is the step after w's current one, given what it has gathered.
func nextStep(w *consultations.Wizard) string {
	kind := consultations.Kind(w.Data[keyKind])
	switch w.Step {
	case stepCommitment:
		if w.Data[keyCommitmentNew] != "" {
			return stepCommitmentTitle
		}
		return stepTitleES
	case stepCommitmentTitle:
		return stepPillar
	case stepPillar:
		return stepTitleES
	case stepTitleES:
		return stepTitlePT
	case stepTitlePT:
		return stepKind
	case stepKind:
		return stepTextES
	case stepTextES:
		return stepTextPT
	case stepTextPT:
		return stepTextEN
	case stepTextEN:
		return stepTextFR
	case stepTextFR:
		if hasOptions(kind) {
			return stepOptionsES
		}
	case stepOptionsES:
		return stepOptionsPT
	case stepOptionsPT:
		if kind == consultations.KindMultiple {
			return stepMax
		}
	}
	return stepPreview
}

// newConsultation starts the guided dialogue that builds a quick poll: /new.
func (b *Bot) newConsultation(ctx context.Context, t *turn) error {
	if old := t.citizen.Wizard; old != nil && old.Kind == wizardNew && slices.Contains(slices.Concat(buttonSteps, skippableSteps), old.Step) {
		b.dropKeyboard(ctx, t.chatID, old.MessageID)
	}
	w := &consultations.Wizard{Kind: wizardNew, Step: stepCommitment, Data: map[string]string{}}
	t.citizen.Wizard = w
	known, err := b.knownCommitments(ctx, 1)
	if err != nil {
		return err
	}
	if len(known) == 0 {
		// Nothing to choose from: straight to the new commitment's title.
		w.Data[keyCommitmentNew] = "1"
		w.Step = stepCommitmentTitle
	}
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_intro", nil), nil)
	return b.askStep(ctx, t)
}

// cancelWizard leaves the /new dialogue, if the clerk is in one, saying so;
// it reports whether there was one. /cancel calls it first.
func (b *Bot) cancelWizard(ctx context.Context, t *turn) (bool, error) {
	w := t.citizen.Wizard
	if w == nil || w.Kind != wizardNew {
		return false, nil
	}
	t.citizen.Wizard = nil
	if err := b.commit(ctx, t, nil); err != nil {
		return true, err
	}
	b.dropKeyboard(ctx, t.chatID, w.MessageID)
	b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_cancelled", nil), nil)
	return true, nil
}

// wizardText takes a message typed during /new as the answer to the step
// it waits on. It reports whether it handled the message: false when the
// sender is in no dialogue (or no longer a clerk), or sent a document.
func (b *Bot) wizardText(ctx context.Context, t *turn) (bool, error) {
	w, m := t.citizen.Wizard, t.update.Message
	if w == nil || w.Kind != wizardNew || m == nil || m.Document != nil {
		return false, nil
	}
	if !b.roles.may(t.citizen.UserID, clerks) {
		t.citizen.Wizard = nil // the role was revoked mid-dialogue
		err := b.commit(ctx, t, nil)
		return err != nil, err
	}
	if slices.Contains(buttonSteps, w.Step) {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_use_buttons", nil), nil)
		return true, nil
	}
	text := strings.TrimSpace(m.Text)
	if text == "" || strings.HasPrefix(text, "/") {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "wizard_want_text", nil), nil)
		return true, nil
	}
	switch w.Step {
	case stepOptionsES, stepOptionsPT:
		opts, problem := b.checkOptions(t.lang, w, lines(text))
		if problem != "" {
			b.send(ctx, t.chatID, problem, nil)
			return true, nil
		}
		w.Data[w.Step] = strings.Join(opts, "\n")
	case stepMax:
		n, err := strconv.Atoi(text)
		count := len(lines(w.Data[stepOptionsES]))
		if err != nil || n < 1 || n > count {
			b.send(ctx, t.chatID, b.msg.N(t.lang, "wizard_max_range", count, nil), nil)
			return true, nil
		}
		w.Data[keyMax] = strconv.Itoa(n)
	default:
		limit := maxTitleLength
		if strings.HasPrefix(w.Step, keyText+".") {
			limit = maxQuestionLength
		}
		if textLength(text) > limit {
			b.send(ctx, t.chatID, b.msg.N(t.lang, "wizard_too_long", limit, nil), nil)
			return true, nil
		}
		w.Data[w.Step] = text
		if w.Step == stepCommitmentTitle {
			id, err := b.newCommitmentID(ctx, text)
			if err != nil {
				return true, err
			}
			w.Data[keyCommitmentID] = id
		}
	}
	if slices.Contains(skippableSteps, w.Step) {
		b.dropKeyboard(ctx, t.chatID, w.MessageID)
	}
	return true, b.nextWizardStep(ctx, t)
}

// checkOptions checks the options typed in one language: 2 to 10, each
// short and different, and in Portuguese as many as in Spanish. It returns
// them, or what is wrong, for the clerk.
func (b *Bot) checkOptions(lang string, w *consultations.Wizard, opts []string) ([]string, string) {
	if w.Step == stepOptionsPT {
		if want := len(lines(w.Data[stepOptionsES])); len(opts) != want {
			return nil, b.msg.N(lang, "wizard_options_mismatch", want, nil)
		}
	} else if len(opts) < minOptions || len(opts) > maxOptions {
		return nil, b.msg.T(lang, "wizard_options_count", nil)
	}
	var seen []string
	for _, o := range opts {
		if textLength(o) > maxOptionLength {
			return nil, b.msg.N(lang, "wizard_option_too_long", maxOptionLength, nil) + "\n<i>" + html.EscapeString(clip(o, maxEcho)) + "</i>"
		}
		k := strings.ToLower(o)
		if slices.Contains(seen, k) {
			return nil, b.msg.T(lang, "wizard_options_duplicate", nil) + "\n<i>" + html.EscapeString(o) + "</i>"
		}
		seen = append(seen, k)
	}
	return opts, ""
}

// nextWizardStep moves the dialogue on, records where it is, and asks for
// the next step (or shows the preview).
func (b *Bot) nextWizardStep(ctx context.Context, t *turn) error {
	w := t.citizen.Wizard
	w.Step = nextStep(w)
	if w.Step == stepPreview {
		return b.showPreview(ctx, t)
	}
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	return b.askStep(ctx, t)
}

// askStep sends the prompt of the step the dialogue waits on, and
// remembers its message.
func (b *Bot) askStep(ctx context.Context, t *turn) error {
	w := t.citizen.Wizard
	sc, err := b.stepScreen(ctx, t.lang, w)
	if err != nil {
		return err
	}
	w.MessageID = b.send(ctx, t.chatID, sc.text, sc.kb)
	return b.commit(ctx, t, nil)
}

// stepScreen is the prompt of w's current step: what to write, or buttons.
func (b *Bot) stepScreen(ctx context.Context, lang string, w *consultations.Wizard) (screen, error) {
	row := func(bs ...models.InlineKeyboardButton) []models.InlineKeyboardButton { return bs }
	inSpanish := func(key string) string { // the Spanish text, to translate from
		if es := w.Data[key+".es"]; es != "" {
			return "\n\n<i>" + html.EscapeString(es) + "</i>"
		}
		return ""
	}
	skip := func(label string) *models.InlineKeyboardMarkup {
		return keyboard(row(btn(label, encodeCallback(actWizSkip, w.Step))))
	}
	switch w.Step {
	case stepCommitment:
		known, err := b.knownCommitments(ctx, maxCommitmentButtons)
		if err != nil {
			return screen{}, err
		}
		var rows [][]models.InlineKeyboardButton
		for _, cm := range known {
			rows = append(rows, row(btn(commitmentLabel(cm, lang), encodeCallback(actWizCommitment, slugKey(cm.ID)))))
		}
		rows = append(rows, row(btn("➕ "+b.msg.T(lang, "wizard_new_commitment", nil), encodeCallback(actWizCommitment, "new"))))
		return screen{text: b.msg.T(lang, "wizard_commitment", nil), kb: keyboard(rows...)}, nil
	case stepCommitmentTitle:
		return screen{text: b.msg.T(lang, "wizard_commitment_title", nil)}, nil
	case stepPillar:
		var rows [][]models.InlineKeyboardButton
		for i := 0; i < len(consultations.Pillars); i += 2 {
			var r []models.InlineKeyboardButton
			for _, p := range consultations.Pillars[i:min(i+2, len(consultations.Pillars))] {
				r = append(r, btn(b.msg.T(lang, "wizard_pillar_"+string(p), nil), encodeCallback(actWizPillar, string(p))))
			}
			rows = append(rows, r)
		}
		return screen{text: b.msg.T(lang, "wizard_pillar", nil), kb: keyboard(rows...)}, nil
	case stepTitleES:
		return screen{text: b.msg.T(lang, "wizard_title_es", nil)}, nil
	case stepTitlePT:
		return screen{text: b.msg.T(lang, "wizard_title_pt", nil) + inSpanish(keyTitle)}, nil
	case stepKind:
		var rows [][]models.InlineKeyboardButton
		for _, k := range wizardKinds {
			rows = append(rows, row(btn(b.msg.T(lang, "wizard_kind_"+string(k), nil), encodeCallback(actWizKind, string(k)))))
		}
		return screen{text: b.msg.T(lang, "wizard_kind", nil), kb: keyboard(rows...)}, nil
	case stepTextES:
		return screen{text: b.msg.T(lang, "wizard_text_es", nil)}, nil
	case stepTextPT:
		return screen{text: b.msg.T(lang, "wizard_text_pt", nil) + inSpanish(keyText)}, nil
	case stepTextEN:
		return screen{text: b.msg.T(lang, "wizard_text_en", nil) + inSpanish(keyText), kb: skip(b.msg.T(lang, "button_skip", nil) + " →")}, nil
	case stepTextFR:
		return screen{text: b.msg.T(lang, "wizard_text_fr", nil) + inSpanish(keyText), kb: skip(b.msg.T(lang, "button_skip", nil) + " →")}, nil
	case stepOptionsES:
		return screen{text: b.msg.T(lang, "wizard_options_es", nil)}, nil
	case stepOptionsPT:
		n := len(lines(w.Data[stepOptionsES]))
		return screen{text: b.msg.N(lang, "wizard_options_pt", n, nil) + inSpanish(keyOptions)}, nil
	case stepMax:
		n := len(lines(w.Data[stepOptionsES]))
		return screen{text: b.msg.N(lang, "wizard_max", n, nil), kb: skip(b.msg.T(lang, "wizard_no_limit", nil))}, nil
	}
	return screen{text: b.msg.T(lang, "wizard_preview_actions", nil)}, nil
}

// commitmentLabel is a commitment as a button shows it: its title in the
// clerk's language.
func commitmentLabel(cm consultations.Commitment, lang string) string {
	if s := cm.Title.In(lang, draftLanguage); s != "" {
		return s
	}
	return cm.ID
}

// wizardAt returns the clerk's dialogue when it waits on step; otherwise
// the tap is on an old message, and the clerk is told so.
func (b *Bot) wizardAt(ctx context.Context, t *turn, step string) (*consultations.Wizard, bool) {
	w := t.citizen.Wizard
	if w == nil || w.Kind != wizardNew || w.Step != step || (w.MessageID != 0 && t.messageID != w.MessageID) {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		if w == nil || t.messageID != w.MessageID {
			b.dropKeyboard(ctx, t.chatID, t.messageID)
		}
		return nil, false
	}
	return w, true
}

// chose shows, on the prompt whose button was tapped, what the clerk chose,
// and moves on.
func (b *Bot) chose(ctx context.Context, t *turn, label string) error {
	w := t.citizen.Wizard
	sc, err := b.stepScreen(ctx, t.lang, w)
	if err != nil {
		return err
	}
	b.show(ctx, t.chatID, t.messageID, sc.text+"\n\n✓ <b>"+html.EscapeString(label)+"</b>", nil)
	return b.nextWizardStep(ctx, t)
}

// wizardCommitment takes the commitment the consultation measures: a known
// one, or "new", to be typed.
func (b *Bot) wizardCommitment(ctx context.Context, t *turn) error {
	w, ok := b.wizardAt(ctx, t, stepCommitment)
	if !ok {
		return nil
	}
	for k := range w.Data {
		if strings.HasPrefix(k, "commitment.") {
			delete(w.Data, k)
		}
	}
	if t.cb.Args[0] == "new" {
		w.Data[keyCommitmentNew] = "1"
		return b.chose(ctx, t, b.msg.T(t.lang, "wizard_new_commitment", nil))
	}
	cm, err := b.commitmentByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if cm == nil {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil
	}
	w.Data[keyCommitmentID], w.Data[keyPillar], w.Data[keyParliament] = cm.ID, string(cm.Pillar), cm.Parliament
	for l, s := range cm.Title {
		w.Data[keyCommitmentTitle+"."+l] = s
	}
	// A consultation made here speaks Spanish first: make sure the title does.
	w.Data[keyCommitmentTitle+"."+draftLanguage] = cm.Title.In(draftLanguage, draftLanguage)
	return b.chose(ctx, t, commitmentLabel(*cm, t.lang))
}

// wizardPillar takes the pillar of a new commitment.
func (b *Bot) wizardPillar(ctx context.Context, t *turn) error {
	w, ok := b.wizardAt(ctx, t, stepPillar)
	if !ok {
		return nil
	}
	p := consultations.Pillar(t.cb.Args[0])
	if !slices.Contains(consultations.Pillars, p) {
		return nil // not data this bot made
	}
	w.Data[keyPillar] = string(p)
	return b.chose(ctx, t, b.msg.T(t.lang, "wizard_pillar_"+string(p), nil))
}

// wizardKind takes the kind of the question.
func (b *Bot) wizardKind(ctx context.Context, t *turn) error {
	w, ok := b.wizardAt(ctx, t, stepKind)
	if !ok {
		return nil
	}
	k := consultations.Kind(t.cb.Args[0])
	if !slices.Contains(wizardKinds, k) {
		return nil
	}
	w.Data[keyKind] = string(k)
	return b.chose(ctx, t, b.msg.T(t.lang, "wizard_kind_"+string(k), nil))
}

// wizardSkip passes over an optional step: the English or French text, or
// the limit of a multiple-choice question.
func (b *Bot) wizardSkip(ctx context.Context, t *turn) error {
	step := t.cb.Args[0]
	if !slices.Contains(skippableSteps, step) {
		return nil
	}
	w, ok := b.wizardAt(ctx, t, step)
	if !ok {
		return nil
	}
	delete(w.Data, step)
	label := b.msg.T(t.lang, "button_skip", nil)
	if step == stepMax {
		label = b.msg.T(t.lang, "wizard_no_limit", nil)
	}
	return b.chose(ctx, t, label)
}
