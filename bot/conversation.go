package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/parlabot/parlabot/consultations"
)

// response returns the citizen's response to c, or a new one.
func (b *Bot) response(ctx context.Context, t *turn, c *consultations.Consultation) (*consultations.Response, error) {
	r, err := b.store.Response(ctx, c.Slug, b.participant(t))
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		now := b.now()
		return &consultations.Response{Consultation: c.Slug, Participant: b.participant(t), Language: t.lang, Started: now, Updated: now, Answers: map[string]consultations.Answer{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if r.Answers == nil {
		r.Answers = map[string]consultations.Answer{}
	}
	return r, nil
}

// begin starts (or, for a citizen who has answered, reviews) a consultation
// at its first question.
func (b *Bot) begin(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil || c.StatusAt(b.now()) != consultations.StatusOpen {
		return b.closedNotice(ctx, t)
	}
	if s := t.citizen.Session; s != nil && s.Consultation == c.Slug && s.Question != "" {
		// A second tap on Start: the citizen is already answering.
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil
	}
	r, err := b.response(ctx, t, c)
	if err != nil {
		return err
	}
	first := c.Next("", r.Answers)
	s := &consultations.Session{Consultation: c.Slug, Question: first.ID, MessageID: t.messageID, Started: b.now()}
	s.Selected = chosen(first, r)
	t.citizen.Session = s
	r.Language = t.lang
	if err := b.commit(ctx, t, r); err != nil {
		return err
	}
	b.showQuestion(ctx, t, c, r)
	return nil
}

// current loads what a press on question qid's buttons acts on. It returns
// ok false, having told the citizen, when the press is stale (a double tap,
// an old keyboard) or the consultation no longer takes answers.
func (b *Bot) current(ctx context.Context, t *turn, qid string) (c *consultations.Consultation, q *consultations.Question, r *consultations.Response, ok bool, err error) {
	s := t.citizen.Session
	if s == nil || s.Question != qid {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil, nil, nil, false, b.reshow(ctx, t)
	}
	c, err = b.store.Consultation(ctx, s.Consultation)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return nil, nil, nil, false, b.closedNotice(ctx, t)
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	if c.StatusAt(b.now()) != consultations.StatusOpen {
		return nil, nil, nil, false, b.closedNotice(ctx, t)
	}
	if q = c.Question(qid); q == nil {
		// The question was removed by an edit: start the consultation over.
		t.citizen.Session = nil
		return nil, nil, nil, false, b.present(ctx, t, c, t.messageID)
	}
	r, err = b.response(ctx, t, c)
	return c, q, r, err == nil, err
}

// reshow puts the citizen's current question back on the message whose
// stale button they pressed. After a double tap this changes nothing; after
// a crash between recording an answer and showing the next question, it
// shows the question the citizen is really on.
func (b *Bot) reshow(ctx context.Context, t *turn) error {
	s := t.citizen.Session
	if s == nil || s.Question == "" || t.messageID != s.MessageID {
		return nil
	}
	c, err := b.store.Consultation(ctx, s.Consultation)
	if err != nil || c.Question(s.Question) == nil {
		return nil
	}
	r, err := b.response(ctx, t, c)
	if err != nil {
		return err
	}
	b.showQuestion(ctx, t, c, r)
	return nil
}

// answer records a tap on an option or a number and moves on.
func (b *Bot) answer(ctx context.Context, t *turn) error {
	c, q, r, ok, err := b.current(ctx, t, t.cb.Args[0])
	if !ok {
		return err
	}
	v, err := strconv.Atoi(t.cb.Args[1])
	if err != nil {
		return nil // not data this bot made: ignore
	}
	var a consultations.Answer
	switch q.Kind {
	case consultations.KindSingle:
		if v < 0 || v >= len(q.Options) {
			return nil
		}
		a.Choices = []string{q.Options[v].ID}
	case consultations.KindSatisfaction, consultations.KindScale:
		a.Number = v
	default:
		return nil
	}
	if q.Check(a) != nil {
		return nil
	}
	r.Answers[q.ID] = a
	return b.advance(ctx, t, c, r, q.ID, t.messageID)
}

// toggle chooses or unchooses an option of a multiple-choice question,
// refusing more than its max.
func (b *Bot) toggle(ctx context.Context, t *turn) error {
	c, q, r, ok, err := b.current(ctx, t, t.cb.Args[0])
	if !ok {
		return err
	}
	i, err := strconv.Atoi(t.cb.Args[1])
	if err != nil || q.Kind != consultations.KindMultiple || i < 0 || i >= len(q.Options) {
		return nil
	}
	s, id := t.citizen.Session, q.Options[i].ID
	if j := slices.Index(s.Selected, id); j >= 0 {
		s.Selected = slices.Delete(s.Selected, j, j+1)
	} else {
		if q.Max > 0 && len(s.Selected) >= q.Max {
			b.answerQuery(ctx, t, b.msg.N(t.lang, "too_many_choices", q.Max, nil))
			return nil
		}
		s.Selected = append(s.Selected, id)
	}
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.showQuestion(ctx, t, c, r)
	return nil
}

// confirm records the options chosen on a multiple-choice question.
func (b *Bot) confirm(ctx context.Context, t *turn) error {
	c, q, r, ok, err := b.current(ctx, t, t.cb.Args[0])
	if !ok {
		return err
	}
	s := t.citizen.Session
	if len(s.Selected) == 0 {
		if !q.Optional {
			b.answerQuery(ctx, t, b.msg.T(t.lang, "choose_one", nil))
			return nil
		}
		delete(r.Answers, q.ID)
		return b.advance(ctx, t, c, r, q.ID, t.messageID)
	}
	var a consultations.Answer
	for _, o := range q.Options { // in the question's order, not the tapping order
		if slices.Contains(s.Selected, o.ID) {
			a.Choices = append(a.Choices, o.ID)
		}
	}
	if q.Check(a) != nil {
		b.answerQuery(ctx, t, b.msg.N(t.lang, "too_many_choices", q.Max, nil))
		return nil
	}
	r.Answers[q.ID] = a
	return b.advance(ctx, t, c, r, q.ID, t.messageID)
}

// skip passes over an optional question, clearing any earlier answer to it.
func (b *Bot) skip(ctx context.Context, t *turn) error {
	c, q, r, ok, err := b.current(ctx, t, t.cb.Args[0])
	if !ok || !q.Optional {
		return err
	}
	delete(r.Answers, q.ID)
	return b.advance(ctx, t, c, r, q.ID, t.messageID)
}

// back returns to the previous question, its answer shown as chosen.
func (b *Bot) back(ctx context.Context, t *turn) error {
	c, _, r, ok, err := b.current(ctx, t, t.cb.Args[0])
	if !ok {
		return err
	}
	s := t.citizen.Session
	if len(s.Trail) == 0 {
		return nil
	}
	prev := s.Trail[len(s.Trail)-1]
	s.Trail = s.Trail[:len(s.Trail)-1]
	s.Question = prev
	s.Selected = chosen(c.Question(prev), r)
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.showQuestion(ctx, t, c, r)
	return nil
}

// textAnswer takes a message as the answer to the current text question;
// on any other question it points the citizen to the buttons.
func (b *Bot) textAnswer(ctx context.Context, t *turn) error {
	s := t.citizen.Session
	c, err := b.store.Consultation(ctx, s.Consultation)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		return b.closedNotice(ctx, t)
	}
	if err != nil {
		return err
	}
	if c.StatusAt(b.now()) != consultations.StatusOpen {
		return b.closedNotice(ctx, t)
	}
	q := c.Question(s.Question)
	if q == nil {
		t.citizen.Session = nil
		return b.present(ctx, t, c, 0)
	}
	r, err := b.response(ctx, t, c)
	if err != nil {
		return err
	}
	if q.Kind != consultations.KindText {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "use_buttons", nil), nil)
		return b.present(ctx, t, c, 0)
	}
	text := strings.TrimSpace(t.update.Message.Text)
	if text == "" || strings.HasPrefix(text, "/") {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "text_expected", nil), nil)
		return nil
	}
	if n := textLength(text); n > q.MaxLength {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "text_too_long", map[string]any{
			"Length": b.msg.Number(t.lang, n), "Max": b.msg.Number(t.lang, q.MaxLength),
		}), nil)
		return nil
	}
	r.Answers[q.ID] = consultations.Answer{Text: text}
	b.dropKeyboard(ctx, t.chatID, s.MessageID)
	return b.advance(ctx, t, c, r, q.ID, 0)
}

// advance records the response and shows what comes after question from:
// the next question asked, or the thank-you. The screen replaces message
// id, or is sent anew when id is 0. The answer is on disk before the
// citizen sees the next screen.
func (b *Bot) advance(ctx context.Context, t *turn, c *consultations.Consultation, r *consultations.Response, from string, id int) error {
	now := b.now()
	r.Prune(c)
	r.Language, r.Updated = t.lang, now
	s := t.citizen.Session
	next := c.Next(from, r.Answers)
	if next == nil {
		if r.Completed.IsZero() {
			r.Completed = now
		}
		t.citizen.Session = nil
		if err := b.commit(ctx, t, r); err != nil {
			return err
		}
		b.metrics.answered(true)
		count, err := b.store.CountCompleted(ctx, c.Slug)
		if err != nil {
			return err
		}
		sc := b.thanksScreen(c, t.lang, count)
		b.show(ctx, t.chatID, id, sc.text, sc.kb)
		// Citizens who came by a link are asked about news only now, so
		// nothing stands between them and the first question.
		return b.askSubscribe(ctx, t)
	}
	s.Trail = append(s.Trail, from)
	s.Question, s.Selected = next.ID, chosen(next, r)
	if err := b.commit(ctx, t, r); err != nil {
		return err
	}
	b.metrics.answered(false)
	sc := b.questionScreen(c, s, r, t.lang)
	shown := b.show(ctx, t.chatID, id, sc.text, sc.kb)
	if shown != s.MessageID {
		// Remember the new message, so it is tidied when the citizen moves on.
		s.MessageID = shown
		if err := b.commit(ctx, t, nil); err != nil {
			b.log.Warn("remember question message", "err", err)
		}
	}
	return nil
}

// chosen is the options already chosen on a multiple-choice question, to
// show them ticked when the citizen comes back to it.
func chosen(q *consultations.Question, r *consultations.Response) []string {
	if q == nil || q.Kind != consultations.KindMultiple {
		return nil
	}
	return slices.Clone(r.Answers[q.ID].Choices)
}

// showQuestion shows the citizen's current question on the message whose
// button they pressed.
func (b *Bot) showQuestion(ctx context.Context, t *turn, c *consultations.Consultation, r *consultations.Response) {
	sc := b.questionScreen(c, t.citizen.Session, r, t.lang)
	b.show(ctx, t.chatID, t.messageID, sc.text, sc.kb)
}
