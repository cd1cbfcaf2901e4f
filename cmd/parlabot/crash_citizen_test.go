package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// retapAfter is how long a simulated citizen waits for the bot to take a
// tap before tapping again, as people do when nothing happens.
const retapAfter = 1500 * time.Millisecond

// stuckAfter is how many times a citizen acts on the same unchanged screen
// before sending /start again, as people do when a chat seems stuck.
const stuckAfter = 3

// crashCitizen is a simulated citizen who answers the consultation through
// the fake Telegram, reading only what the chat shows: it recognises a
// question by its text, taps the buttons a person would, and writes down
// each answer the bot acknowledged, that is each answer after which the
// chat showed a later question or the thank-you.
type crashCitizen struct {
	u        *telegramtest.User
	srv      *telegramtest.Server
	c        *consultations.Consultation
	lang     string // the bot's language for this citizen
	msgs     *i18n.Bundle
	plan     citizenPlan
	progress *crashProgress // all citizens' progress, shared

	// acked is each acknowledged answer by question id, the last one for a
	// question; nil records an acknowledged skip.
	acked map[string]*consultations.Answer
	// sent is every answer given to a question, acknowledged or not.
	sent map[string][]*consultations.Answer
	// pending is the answer given last, until a later screen acknowledges it.
	pending *givenAnswer

	backState  int // backPlanned, backRequested, backDone
	backFrom   int // index of the question Back was pressed on
	backTarget string

	unconfirmed []int64 // updates sent and not yet confirmed by the bot
	lastScreen  string
	sameScreen  int
	done        bool
	retaps      int      // taps again after no reaction
	lostThanks  bool     // finished without seeing the thank-you
	trace       []string // what the citizen did, for failure messages
}

// givenAnswer is an answer to a question, nil for a skip.
type givenAnswer struct {
	question string
	answer   *consultations.Answer
}

const (
	backPlanned = iota
	backRequested
	backDone
)

// citizenPlan is what a citizen will answer, drawn once from the seed: for
// each question a first answer and the one it changes to after going back
// (nil for a skip), where it goes back (-1: never), and whether it taps
// twice.
type citizenPlan struct {
	answers   map[string][2]*consultations.Answer
	backAt    int
	doubleTap bool
}

// newCitizenPlan draws a plan for consultation c.
func newCitizenPlan(rng *rand.Rand, c *consultations.Consultation, id int64) citizenPlan {
	p := citizenPlan{answers: map[string][2]*consultations.Answer{}, backAt: -1}
	if rng.IntN(3) == 0 {
		p.backAt = 1 + rng.IntN(len(c.Questions)-1)
	}
	p.doubleTap = rng.IntN(4) == 0
	for i := range c.Questions {
		q := &c.Questions[i]
		var pair [2]*consultations.Answer
		for pass := range pair {
			pair[pass] = drawAnswer(rng, q, id, pass, pair[0])
		}
		p.answers[q.ID] = pair
	}
	return p
}

// drawAnswer draws an answer to q; the second pass differs from the first.
func drawAnswer(rng *rand.Rand, q *consultations.Question, id int64, pass int, first *consultations.Answer) *consultations.Answer {
	for {
		var a *consultations.Answer
		switch q.Kind {
		case consultations.KindSingle:
			a = &consultations.Answer{Choices: []string{q.Options[rng.IntN(len(q.Options))].ID}}
		case consultations.KindMultiple:
			most := len(q.Options)
			if q.Max > 0 {
				most = q.Max
			}
			picked := rng.Perm(len(q.Options))[:1+rng.IntN(most)]
			slices.Sort(picked)
			a = &consultations.Answer{}
			for _, i := range picked {
				a.Choices = append(a.Choices, q.Options[i].ID)
			}
		case consultations.KindSatisfaction:
			a = &consultations.Answer{Number: 1 + rng.IntN(5)}
		case consultations.KindScale:
			a = &consultations.Answer{Number: rng.IntN(11)}
		case consultations.KindText:
			if q.Optional && rng.IntN(5) == 0 {
				a = nil
			} else {
				a = &consultations.Answer{Text: fmt.Sprintf("Más cámaras & <subtítulos> n.º %d-%d", id, pass)}
			}
		}
		if pass == 0 || !sameAnswer(a, first) || q.Kind == consultations.KindText {
			return a
		}
	}
}

// sameAnswer compares answers; nil is a skip.
func sameAnswer(a, b *consultations.Answer) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return slices.Equal(a.Choices, b.Choices) && a.Number == b.Number && a.Text == b.Text
}

func (a *givenAnswer) String() string { return a.question + "=" + answerText(a.answer) }

// answerText shows an answer in failure messages.
func answerText(a *consultations.Answer) string {
	switch {
	case a == nil:
		return "(none)"
	case len(a.Choices) > 0:
		return strings.Join(a.Choices, ",")
	case a.Text != "":
		return strconv.Quote(a.Text)
	}
	return strconv.Itoa(a.Number)
}

func (z *crashCitizen) t(key string) string { return z.msgs.T(z.lang, key, nil) }

func (z *crashCitizen) text(t consultations.Text) string {
	return t.In(z.lang, z.c.DefaultLanguage)
}

func (z *crashCitizen) note(format string, args ...any) {
	z.trace = append(z.trace, fmt.Sprintf(format, args...))
}

// run answers until the citizen has finished or ctx ends.
func (z *crashCitizen) run(ctx context.Context) {
	for ctx.Err() == nil && !z.finished() {
		id, retap := z.act()
		z.wait(ctx, id, retap)
	}
}

// finished reports whether the chat shows the consultation answered: the
// thank-you (which acknowledges the last answer), or, when the thank-you
// was lost in a crash and the citizen sent /start again, the intro saying
// it is already answered.
func (z *crashCitizen) finished() bool {
	thanks := z.t("thanks")
	for _, m := range z.u.Messages() {
		if m.FromBot && strings.Contains(m.Plain, thanks) {
			z.acknowledge()
			z.finish()
			return true
		}
	}
	if strings.Contains(z.u.Last().Plain, z.t("already_answered")) {
		z.note("already answered: %s not acknowledged", z.pending)
		z.lostThanks = true
		z.finish()
		return true
	}
	return false
}

func (z *crashCitizen) finish() {
	z.done = true
	z.progress.finished.Add(1)
}

// acknowledge writes the pending answer down as acknowledged.
func (z *crashCitizen) acknowledge() {
	if z.pending == nil {
		return
	}
	z.acked[z.pending.question] = z.pending.answer
	z.progress.answers.Add(1)
	z.note("acknowledged %s", z.pending)
	z.pending = nil
}

// act does what the screen calls for and returns the update sent, and
// whether tapping again is harmless if nothing happens.
func (z *crashCitizen) act() (id int64, retap bool) {
	m := z.u.Last()
	i, q := z.question(m.Plain)
	z.unconfirmed = slices.DeleteFunc(z.unconfirmed, z.srv.Confirmed)
	if q != nil && q.Kind == consultations.KindMultiple && len(z.unconfirmed) > 0 {
		// A toggle is not harmless twice: act only on a screen that
		// shows every earlier tap's effect.
		return 0, false
	}
	screen := fmt.Sprint(m.ID, m.Plain, m.Keyboard)
	if screen == z.lastScreen {
		z.sameScreen++
	} else {
		z.lastScreen, z.sameScreen = screen, 0
	}
	if z.sameScreen >= stuckAfter {
		z.sameScreen = 0
		return z.send("/start " + z.c.Slug), true
	}
	if q != nil {
		if z.pending != nil && i > z.index(z.pending.question) {
			z.acknowledge()
		}
		if z.backState == backRequested && i < z.backFrom {
			z.backState, z.backTarget = backDone, q.ID
			z.note("back on %s", q.ID)
		}
		return z.answer(i, q, m)
	}
	start := z.t("button_start")
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == start {
				return z.tap(start), true
			}
		}
	}
	// A screen this citizen doesn't know (a notice to accept, a list):
	// its first button is the way forward; without buttons, /start.
	if len(m.Keyboard) > 0 && len(m.Keyboard[0]) > 0 && m.Keyboard[0][0].Data != "" {
		return z.tap(m.Keyboard[0][0].Text), true
	}
	return z.send("/start " + z.c.Slug), true
}

// index is the position of question id in the consultation.
func (z *crashCitizen) index(id string) int {
	return slices.IndexFunc(z.c.Questions, func(q consultations.Question) bool { return q.ID == id })
}

// question finds the question whose text the screen shows.
func (z *crashCitizen) question(plain string) (int, *consultations.Question) {
	for i := range z.c.Questions {
		if strings.Contains(plain, z.text(z.c.Questions[i].Text)) {
			return i, &z.c.Questions[i]
		}
	}
	return -1, nil
}

// answer acts on question q, the i-th, shown in message m.
func (z *crashCitizen) answer(i int, q *consultations.Question, m telegramtest.Message) (int64, bool) {
	back := "← " + z.t("button_back")
	if z.backState == backPlanned && z.plan.backAt >= 0 && i >= z.plan.backAt && hasLabel(m, back) {
		z.backState, z.backFrom = backRequested, i
		return z.tap(back), true
	}
	pass := 0
	if z.backState == backDone && q.ID == z.backTarget {
		pass = 1
	}
	want := z.plan.answers[q.ID][pass]
	if want == nil {
		z.give(q, nil)
		return z.tap(z.t("button_skip") + " →"), true
	}
	switch q.Kind {
	case consultations.KindText:
		z.give(q, want)
		return z.send(want.Text), true
	case consultations.KindMultiple:
		var ticked []string
		for _, o := range q.Options {
			if hasLabel(m, "✓ "+z.text(o.Text)) {
				ticked = append(ticked, o.ID)
			}
		}
		if slices.Equal(ticked, want.Choices) {
			z.give(q, want)
			return z.tapMaybeTwice(z.t("button_confirm")), true
		}
		// Untick first: a question may take only so many.
		for _, o := range q.Options {
			if slices.Contains(ticked, o.ID) && !slices.Contains(want.Choices, o.ID) {
				return z.tap("✓ " + z.text(o.Text)), false
			}
		}
		for _, o := range q.Options {
			if !slices.Contains(ticked, o.ID) && slices.Contains(want.Choices, o.ID) {
				return z.tap(z.text(o.Text)), false
			}
		}
	case consultations.KindSingle:
		z.give(q, want)
		return z.tapMaybeTwice(optionLabel(m, z.text(q.Option(want.Choices[0]).Text))), true
	case consultations.KindSatisfaction, consultations.KindScale:
		z.give(q, want)
		return z.tapMaybeTwice(numberLabel(m, want.Number)), true
	}
	panic("unreachable: kind " + string(q.Kind))
}

// give records an answer as given and pending acknowledgement.
func (z *crashCitizen) give(q *consultations.Question, a *consultations.Answer) {
	z.pending = &givenAnswer{question: q.ID, answer: a}
	z.sent[q.ID] = append(z.sent[q.ID], a)
}

// tap taps a button of the latest keyboard.
func (z *crashCitizen) tap(label string) int64 {
	id, err := z.u.Tap(label)
	if err != nil {
		// The keyboard changed under the citizen's finger: look again.
		z.note("tap %q: %v", label, err)
		return 0
	}
	z.note("tap %q (update %d)", label, id)
	z.unconfirmed = append(z.unconfirmed, id)
	return id
}

// tapMaybeTwice taps, twice in a row for citizens who double-tap.
func (z *crashCitizen) tapMaybeTwice(label string) int64 {
	id := z.tap(label)
	if z.plan.doubleTap && id != 0 {
		if again := z.tap(label); again != 0 {
			id = again
		}
	}
	return id
}

func (z *crashCitizen) send(text string) int64 {
	id := z.u.Send(text)
	z.note("send %q (update %d)", text, id)
	z.unconfirmed = append(z.unconfirmed, id)
	return id
}

// wait waits until the bot has taken update id, or, when tapping again is
// harmless, until retapAfter has passed. Without retap it waits for every
// update the citizen sent (id 0: only that).
func (z *crashCitizen) wait(ctx context.Context, id int64, retap bool) {
	deadline := time.Now().Add(retapAfter)
	for ctx.Err() == nil {
		z.unconfirmed = slices.DeleteFunc(z.unconfirmed, z.srv.Confirmed)
		switch {
		case retap && id == 0:
			// The tap missed (the keyboard changed): look again shortly.
			time.Sleep(20 * time.Millisecond)
			return
		case retap && !slices.Contains(z.unconfirmed, id):
			return
		case !retap && len(z.unconfirmed) == 0:
			return
		}
		if retap && time.Now().After(deadline) {
			z.note("no reaction to update %d", id)
			z.retaps++
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func hasLabel(m telegramtest.Message, label string) bool {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == label {
				return true
			}
		}
	}
	return false
}

// optionLabel is the label of the button for an option, ticked or not.
func optionLabel(m telegramtest.Message, text string) string {
	if hasLabel(m, "✓ "+text) {
		return "✓ " + text
	}
	return text
}

// numberLabel is the label of the button for a number: "7", "4 🙂",
// ticked or not.
func numberLabel(m telegramtest.Message, n int) string {
	for _, row := range m.Keyboard {
		for _, b := range row {
			l := strings.TrimPrefix(b.Text, "✓ ")
			if first, _, _ := strings.Cut(l, " "); first == strconv.Itoa(n) {
				return b.Text
			}
		}
	}
	return strconv.Itoa(n)
}
