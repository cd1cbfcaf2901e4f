package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/demo"
)

// citizen is one simulated citizen: step sends their next update and
// waits for what they need from the bot before the one after.
type citizen interface {
	// step returns the time from sending the update to the bot's first
	// reaction, and whether that was the citizen's last step.
	step(ctx context.Context) (latency time.Duration, last bool, err error)
}

// languages are the language codes citizens' Telegram apps report, most
// Spanish, then Brazilian Portuguese, some English and French.
var languages = []string{"es-419", "pt-BR", "es-MX", "en-US", "es-CL", "pt-BR", "es-AR", "fr-FR", "es", "pt-BR"}

// comments are what citizens write to the last, open question.
var comments = []string{
	"Más cámaras en las comisiones y subtítulos, por favor.",
	"Que las transmisiones queden grabadas y se puedan buscar por tema.",
	"Melhorar o áudio: às vezes não dá para ouvir os deputados.",
	"Avisar por aquí cuándo empieza cada sesión.",
	"Better sound and an agenda on screen.",
	"Interpretación en lengua de señas en todas las sesiones.",
	"Transmitir também pelo rádio no interior.",
	"Nada, está muy bien así. ¡Gracias!",
}

// plan is one citizen's answers to the reference consultation: always yes
// to "watched", so that all six questions are asked.
type plan struct {
	satisfaction int    // 1..5
	recommend    int    // 0..10
	channels     [2]int // two different options of the four
	region       int    // one of four
	comment      string
}

func newPlan(rng *rand.Rand) plan {
	p := plan{satisfaction: 1 + rng.IntN(5), recommend: rng.IntN(11), region: rng.IntN(4), comment: comments[rng.IntN(len(comments))]}
	p.channels[0] = rng.IntN(4)
	p.channels[1] = (p.channels[0] + 1 + rng.IntN(3)) % 4
	return p
}

// answers is the plan as the response the bot stores.
func (p plan) answers(c *consultations.Consultation) map[string]consultations.Answer {
	ch := []int{p.channels[0], p.channels[1]}
	slices.Sort(ch)
	return map[string]consultations.Answer{
		"watched":      {Choices: []string{"yes"}},
		"satisfaction": {Number: p.satisfaction},
		"recommend":    {Number: p.recommend},
		"channels":     {Choices: []string{c.Question("channels").Options[ch[0]].ID, c.Question("channels").Options[ch[1]].ID}},
		"region":       {Choices: []string{c.Question("region").Options[p.region].ID}},
		"comment":      {Text: p.comment},
	}
}

// reaction is something the bot did in a citizen's chat, or its
// confirmation of one of the citizen's updates, when the fake saw it.
type reaction struct {
	kind     string // a telegramtest Event kind, or confirmed
	keyboard bool   // the message has an inline keyboard
	at       time.Time
}

// confirmed is the kind of reaction that confirms an update.
const confirmed = "confirmed"

// answerer is a citizen answering the reference consultation in parlabot,
// as a newcomer who came by its link: /start livestream-2026, Accept on
// the privacy notice, Start, the six questions (two options and Confirm
// on the multiple-choice one), a comment typed. They tap what the bot
// showed last, by position, so the script holds in every language.
type answerer struct {
	u       *telegramtest.User
	box     <-chan reaction
	p       plan
	timeout time.Duration
	next    int // the step to take
}

// Where the answerer taps, by step: row and column in the keyboard of the
// bot's latest message, and how many buttons that row must have, to tell
// the expected screen.
func (a *answerer) button() (row, col, width int) {
	switch a.next {
	case 1, 2, 3: // Accept, Start, "watched": yes
		return 0, 0, 1
	case 4: // satisfaction 1..5 in one row
		return 0, a.p.satisfaction - 1, 5
	case 5: // recommend: 0..5, then 6..10
		if a.p.recommend <= 5 {
			return 0, a.p.recommend, 6
		}
		return 1, a.p.recommend - 6, 5
	case 6, 7: // two channels
		return a.p.channels[a.next-6], 0, 1
	case 8: // Confirm, under the four channels
		return 4, 0, 1
	default: // region
		return a.p.region, 0, 1
	}
}

func (a *answerer) step(ctx context.Context) (time.Duration, bool, error) {
	drain(a.box) // what the bot did after the last step's reaction
	want := telegramtest.EventCallbackAnswer
	var send func() error
	switch a.next {
	case 0:
		want = telegramtest.EventNew
		send = func() error { a.u.Send("/start " + demo.Slug); return nil }
	case steps - 1:
		want = telegramtest.EventNew
		send = func() error { a.u.Send(a.p.comment); return nil }
	default:
		send = a.tap
	}
	began := time.Now()
	if err := send(); err != nil {
		return 0, false, err
	}
	first, err := awaitReaction(ctx, a.box, want, a.timeout, a.next)
	if err != nil {
		return 0, false, err
	}
	a.next++
	return first.Sub(began), a.next == steps, nil
}

// tap taps the step's button on the bot's latest message.
func (a *answerer) tap() error {
	m := a.u.Last()
	row, col, width := a.button()
	if row >= len(m.Keyboard) || len(m.Keyboard[row]) < width || col >= len(m.Keyboard[row]) {
		first, _, _ := strings.Cut(m.Plain, "\n")
		return fmt.Errorf("step %d: unexpected screen %q with %d rows of buttons", a.next, first, len(m.Keyboard))
	}
	a.u.TapData(m.ID, m.Keyboard[row][col].Data)
	return nil
}

// awaitReaction waits for a reaction of the kind wanted (a new message
// must have a keyboard unless it comes last) and returns when the first
// reaction came.
func awaitReaction(ctx context.Context, box <-chan reaction, want string, timeout time.Duration, step int) (time.Time, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var first time.Time
	for {
		select {
		case r := <-box:
			if first.IsZero() {
				first = r.at
			}
			if r.kind == want && (want != telegramtest.EventNew || r.keyboard || step == steps-1) {
				return first, nil
			}
		case <-timer.C:
			return time.Time{}, fmt.Errorf("step %d: no %s from the bot within %v", step, want, timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

// drain empties a box without waiting.
func drain(box <-chan reaction) {
	for {
		select {
		case <-box:
		default:
			return
		}
	}
}
