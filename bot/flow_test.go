package bot

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// The reference consultation answered from start to end, in each language
// a citizen's Telegram app may report.
func TestCitizenAnswersReferenceConsultation(t *testing.T) {
	tests := []struct {
		name, code                           string
		title, start, progress, yes, web, tv string
		south, confirm, thanks               string
	}{
		{"spanish", "es-419", "Evalúe la transmisión de las sesiones del Congreso", "Comenzar", "Pregunta 1 de 6", "Sí",
			"Sitio web del Congreso", "Canal de TV", "Sur", "Confirmar", "Hasta ahora ha respondido 1 persona."},
		{"portuguese", "pt-BR", "Avalie a transmissão das sessões do Congresso", "Começar", "Pergunta 1 de 6", "Sim",
			"Site do Congresso", "Canal de TV", "Sul", "Confirmar", "Até agora, 1 pessoa respondeu."},
		{"english", "en-US", "Rate the livestreaming of Congress sessions", "Start", "Question 1 of 6", "Yes",
			"Congress website", "TV channel", "South", "Confirm", "1 person has answered so far."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ana := h.citizen(1001, tt.code)
			ana.send("/start " + reference)
			ana.sees(tt.title)
			if got := ana.Last().Keyboard[0][0].Text; got != tt.start {
				t.Fatalf("first button of the intro = %q, want %q (the one way forward comes first)", got, tt.start)
			}
			ana.tap(tt.start)
			ana.sees(tt.progress)
			ana.tap(tt.yes, "4 🙂", "9", tt.web, tt.tv, tt.confirm, tt.south)
			ana.send("Más cámaras & <subtítulos>")
			ana.said(tt.thanks)

			r := ana.response()
			if !r.IsCompleted() {
				t.Fatal("response not completed")
			}
			lang := strings.SplitN(tt.code, "-", 2)[0]
			if r.Language != lang {
				t.Errorf("response language = %q, want %q", r.Language, lang)
			}
			want := map[string]string{
				"watched": "yes", "satisfaction": "4", "recommend": "9",
				"channels": "website,tv", "region": "south", "comment": "Más cámaras & <subtítulos>",
			}
			for q, w := range want {
				if got := answerString(r.Answers[q]); got != w {
					t.Errorf("answer %s = %q, want %q", q, got, w)
				}
			}
		})
	}
}

// answerString flattens an answer for comparison.
func answerString(a consultations.Answer) string {
	switch {
	case len(a.Choices) > 0:
		return strings.Join(a.Choices, ",")
	case a.Text != "":
		return a.Text
	default:
		return strconv.Itoa(a.Number)
	}
}

func TestSkipLogic(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1002, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "No")
	// "satisfaction" is asked only of those who watched: the next question
	// is "recommend", and the count drops from 6 to 5.
	ana.sees("Pregunta 2 de 5")
	ana.sees("¿Qué tan probable es que recomiende")
	ana.tap("10", "Radio", "Confirmar", "Norte", "Omitir →")
	ana.said("Muchas gracias")
	r := ana.response()
	if _, ok := r.Answers["satisfaction"]; ok {
		t.Error("satisfaction was recorded although it was not asked")
	}
	if _, ok := r.Answers["comment"]; ok {
		t.Error("comment was recorded although it was skipped")
	}
}

func TestMultipleChoiceLimit(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1003, "pt-BR")
	ana.send("/start " + reference)
	ana.tap("Começar", "Sim", "5 😄", "8", "Site do Congresso", "Canal de TV", "Redes sociais")
	if got, _ := ana.LastCallbackAnswer(); got != "Você pode escolher até 2 opções." {
		t.Errorf("third choice notice = %q, want the limit said", got)
	}
	if !ana.hasButton("✓ Site do Congresso") || !ana.hasButton("✓ Canal de TV") || !ana.hasButton("Redes sociais") {
		t.Errorf("buttons = %q, want the two chosen ticked and the third not", ana.buttons())
	}
	ana.tap("✓ Canal de TV", "Rádio", "Confirmar")
	ana.sees("Em que região do país você mora?")
	if got := answerString(ana.response().Answers["channels"]); got != "website,radio" {
		t.Errorf("channels = %q, want website,radio (untick, tick, in the options' order)", got)
	}
	// Confirm with nothing chosen on a required question is refused.
}

func TestTextLimit(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1004, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "No", "7", "Radio", "Confirmar", "Centro")
	ana.sees("hasta 1.000 caracteres")
	ana.send(strings.Repeat("á", 1001))
	ana.sees("Su respuesta tiene 1.001 caracteres y el máximo es 1.000")
	ana.send(strings.Repeat("á", 1000)) // 1,000 characters (2,000 bytes) fit
	ana.said("Muchas gracias")
	if got := len([]rune(ana.response().Answers["comment"].Text)); got != 1000 {
		t.Errorf("stored comment has %d characters, want 1000", got)
	}
}

func TestBackShowsEarlierAnswer(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1005, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí")
	ana.sees("Pregunta 2 de 6")
	ana.tap("← Atrás")
	ana.sees("Pregunta 1 de 6")
	if !ana.hasButton("✓ Sí") {
		t.Errorf("buttons = %q, want the earlier answer ticked", ana.buttons())
	}
	ana.tap("No")
	ana.sees("Pregunta 2 de 5")
	// Going back and changing "watched" to no drops the satisfaction
	// answer, which no longer applies.
	ana.tap("← Atrás", "✓ No")
	ana.sees("Pregunta 2 de 5")
}

func TestChangingWatchedDropsSatisfaction(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1006, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "3 😐", "← Atrás", "← Atrás", "No", "5")
	if _, ok := ana.response().Answers["satisfaction"]; ok {
		t.Error("satisfaction kept after watched changed to no")
	}
}

func TestRestartInTheMiddleResumes(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1007, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "4 🙂")
	h.restart()
	ana.tap("6") // the keyboard shown before the restart still works
	ana.sees("Pregunta 4 de 6")
	h.restart()
	ana.send("/start " + reference) // coming back by the link resumes too
	ana.sees("Pregunta 4 de 6")
	ana.tap("Radio", "Confirmar", "Sur", "Omitir →")
	ana.said("Muchas gracias")
	if got := answerString(ana.response().Answers["recommend"]); got != "6" {
		t.Errorf("recommend = %q, want 6", got)
	}
}

func TestDoubleTapCountsOnce(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1008, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar")
	q1 := ana.Last()
	data := q1.Keyboard[0][0].Data // "Sí"
	first := ana.TapData(q1.ID, data)
	second := ana.TapData(q1.ID, data)
	ctx := ana.ctx()
	if err := h.srv.WaitConfirmed(ctx, second); err != nil {
		t.Fatal(err)
	}
	_ = first
	ana.sees("Pregunta 2 de 6") // not 3: the second tap did not answer question 2
	if got, _ := ana.LastCallbackAnswer(); !strings.Contains(got, "ya no está activo") {
		t.Errorf("second tap notice = %q, want a kind stale-button notice", got)
	}
	if got := answerString(ana.response().Answers["watched"]); got != "yes" {
		t.Errorf("watched = %q, want yes", got)
	}
}

func TestRepeatedUpdateIsHandledOnce(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1009, "es")
	id := ana.Send("/help")
	ctx := ana.ctx()
	if err := h.srv.WaitConfirmed(ctx, id); err != nil {
		t.Fatal(err)
	}
	raw := []byte(`{"update_id":` + strconv.FormatInt(id, 10) + `,"message":{"message_id":999,"date":1765378800,"chat":{"id":1009,"type":"private"},"from":{"id":1009,"is_bot":false,"first_name":"Ana","language_code":"es"},"text":"/help","entities":[{"type":"bot_command","offset":0,"length":5}]}}`)
	again, err := h.srv.PushRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitConfirmed(ctx, again); err != nil {
		t.Fatal(err)
	}
	helps := 0
	for _, m := range ana.Messages() {
		if m.FromBot && strings.Contains(m.Plain, "Soy parlabot") {
			helps++
		}
	}
	if helps != 1 {
		t.Errorf("help sent %d times for one update_id delivered twice, want 1", helps)
	}
}

func TestLanguageSwitch(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1010, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar")
	ana.send("/language")
	ana.sees("¿En qué idioma")
	ana.tap("Português")
	msgs := ana.Messages()
	var confirmed bool
	for _, m := range msgs {
		confirmed = confirmed || strings.Contains(m.Plain, "Pronto! A partir de agora vou escrever para você em português.")
	}
	if !confirmed {
		t.Error("no confirmation in Portuguese")
	}
	ana.sees("Pergunta 1 de 6") // the current question again, now in Portuguese
	ana.sees("Você assistiu a alguma sessão")
	ana.tap("Sim")
	ana.sees("Pergunta 2 de 6")
	ana.send("/help")
	ana.sees("Eu sou o parlabot")
	if r := ana.response(); r.Language != "pt" {
		t.Errorf("response language = %q, want pt", r.Language)
	}
}

func TestStartWithoutPayloadListsOpenConsultations(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1011, "pt-BR")
	ana.send("/start")
	msgs := ana.Messages()
	welcome := msgs[len(msgs)-2]
	if !strings.Contains(welcome.Plain, "Olá! Eu sou o parlabot") || !strings.Contains(welcome.Plain, "sem o seu nome") {
		t.Errorf("welcome = %q", welcome.Plain)
	}
	if err := ana.TapWait(ana.ctx(), "Avalie a transmissão das sessões do Congresso"); err == nil {
		t.Fatal("the latest message should be the news question, not the list")
	}
	if _, err := ana.Tap("Não, obrigado"); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitIdle(ana.ctx()); err != nil {
		t.Fatal(err)
	}
	ana.TapData(welcome.ID, welcome.Keyboard[0][0].Data)
	if err := h.srv.WaitIdle(ana.ctx()); err != nil {
		t.Fatal(err)
	}
	intro := ana.message(welcome.ID) // the list gave way to the intro, in place
	if !strings.Contains(intro.Plain, "São 6 perguntas breves") {
		t.Fatalf("intro = %q", intro.Plain)
	}
	ana.TapData(intro.ID, intro.Keyboard[0][0].Data) // Começar
	if err := h.srv.WaitIdle(ana.ctx()); err != nil {
		t.Fatal(err)
	}
	if got := ana.message(intro.ID).Plain; !strings.Contains(got, "Pergunta 1 de 6") {
		t.Errorf("after Começar: %q", got)
	}
}

func TestUnknownAndClosedConsultations(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1012, "es")
	ana.send("/start no-such-thing")
	ana.sees("No encontré esa consulta")
	ana.sees("Consultas abiertas")
	if len(ana.Last().Keyboard) != 1 {
		t.Errorf("want the open consultation offered as a button, got %v", ana.Last().Keyboard)
	}

	ana.send("/start " + reference)
	ana.tap("Comenzar")
	h.clock.Set(time.Date(2027, 2, 2, 0, 0, 0, 0, time.UTC)) // after it closes
	ana.tap("Sí")
	ana.sees("no está recibiendo respuestas")
	ana.sees("Por ahora no hay consultas abiertas")
	if _, ok := ana.response().Answers["watched"]; ok {
		t.Error("an answer was recorded after the consultation closed")
	}
	ana.send("/start " + reference)
	ana.sees("no está recibiendo respuestas")
}

func TestHelpCancelAndOtherMessages(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1013, "es")
	ana.send("hola")
	ana.sees("no entendí")
	ana.send("/cancel")
	ana.sees("no está respondiendo ninguna consulta")
	ana.send("/start " + reference)
	ana.tap("Comenzar")
	ana.send("sí") // a button question: point to the buttons, ask again
	msgs := ana.Messages()
	if got := msgs[len(msgs)-2].Plain; !strings.Contains(got, "responda con los botones") {
		t.Errorf("message before the repeated question = %q, want a pointer to the buttons", got)
	}
	ana.sees("Pregunta 1 de 6")
	ana.send("/cancel")
	ana.sees("Salió de la consulta")
	ana.send("/help")
	ana.sees("/language")
}

func TestGroupsGetAPointerAndChangeNothing(t *testing.T) {
	h := newHarness(t)
	raw := []byte(`{"update_id":0,"message":{"message_id":5,"date":1765378800,"chat":{"id":-100123,"type":"supergroup","title":"Vecinos"},"from":{"id":2001,"is_bot":false,"first_name":"Luis","language_code":"es"},"text":"/start livestream-2026","entities":[{"type":"bot_command","offset":0,"length":6}]}}`)
	id, err := h.srv.PushRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.WaitConfirmed(ctx, id); err != nil {
		t.Fatal(err)
	}
	calls := h.srv.Calls("sendMessage")
	if len(calls) != 1 || !strings.Contains(calls[0].Params["text"], "chats privados") || calls[0].Params["chat_id"] != "-100123" {
		t.Fatalf("group got %v, want one pointer to a private chat", calls)
	}
	if _, err := h.store.Citizen(ctx, 2001); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("a group message stored a citizen (err %v)", err)
	}
}

func TestThrottledSendIsRetried(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1014, "es")
	h.srv.Fail("sendMessage", 1, 429, 1)
	ana.send("/help")
	ana.sees("Soy parlabot")
	if got := h.srv.CallCount("sendMessage"); got != 2 {
		t.Errorf("sendMessage called %d times, want 2 (one 429, one retry)", got)
	}
}

func TestCitizenCommandMenus(t *testing.T) {
	h := newHarness(t)
	pt := h.citizen(1015, "pt-BR")
	pt.send("/help")
	cmds := pt.Commands()
	if len(cmds) != len(citizenCommands) || cmds[0].Command != "start" || cmds[0].Description != "Ver as consultas abertas" {
		t.Errorf("Portuguese menu = %v", cmds)
	}
}

// A crash after an answer is recorded but before the next question is
// shown: the update is not handled again, and the citizen's next tap on the
// old keyboard brings back the question they are really on.
func TestStaleKeyboardAfterCrashShowsCurrentQuestion(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1016, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar")
	q1 := ana.Last()
	// Record the answer as the bot would, without showing the next screen.
	c, err := h.store.Citizen(context.Background(), ana.ID())
	if err != nil {
		t.Fatal(err)
	}
	r := ana.responseOrNil()
	r.Answers["watched"] = consultations.Answer{Choices: []string{"yes"}}
	c.Session.Trail, c.Session.Question = []string{"watched"}, "satisfaction"
	if err := h.store.Commit(context.Background(), consultations.Change{Citizen: c, Response: r}); err != nil {
		t.Fatal(err)
	}
	h.restart()
	ana.TapData(q1.ID, q1.Keyboard[1][0].Data) // "No", on the old keyboard
	if err := h.srv.WaitIdle(ana.ctx()); err != nil {
		t.Fatal(err)
	}
	ana.sees("Pregunta 2 de 6")
	ana.sees("¿Qué tan satisfecho/a está")
	if got := answerString(ana.response().Answers["watched"]); got != "yes" {
		t.Errorf("watched = %q, want the recorded yes", got)
	}
}

// Every handled update is recorded once: with the handler's changes when it
// commits some, by the intake otherwise.
func TestHandledUpdatesAreRecorded(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1020, "es")
	help := ana.Send("/help")
	ana.send("/start " + reference)
	ana.tap("Comenzar")
	tap, err := ana.Tap("Sí")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitConfirmed(ana.ctx(), tap); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]int64{"help": help, "answer": tap} {
		seen, err := h.store.UpdateSeen(context.Background(), id)
		if err != nil || !seen {
			t.Errorf("%s update %d recorded = %v (err %v), want true", name, id, seen, err)
		}
	}
	if n := syncMapLen(&h.bot.recorded); n != 0 {
		t.Errorf("%d update ids left in memory after their batch", n)
	}
}

func syncMapLen(m interface{ Range(func(k, v any) bool) }) int {
	n := 0
	m.Range(func(_, _ any) bool { n++; return true })
	return n
}
