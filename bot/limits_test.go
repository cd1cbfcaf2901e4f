package bot

import (
	"strings"
	"testing"
)

// What an admin types after /grant and /revoke is said back only when it
// is short enough to be a user or a role, so the reply always fits in a
// Telegram message (4096 characters) and always arrives.
func TestGrantArgumentsAreBounded(t *testing.T) {
	h := newHarnessWithAdmins(t, 7001)
	boss := h.citizen(7001, "en")
	boss.send("/grant @" + strings.Repeat("x", 4000) + " clerk")
	boss.sees("Write: /grant <user id or @username> clerk (or analyst).")
	boss.send("/revoke " + strings.Repeat("9", 4000))
	boss.sees("Write: /revoke <user id or @username>")
	boss.send("/grant 7002 " + strings.Repeat("&", 4000))
	boss.sees(`I don't know the role "` + strings.Repeat("&", maxRoleArg) + `…". Use clerk or analyst.`)
	if n := len(h.srv.Calls("sendMessage")); n != countOK(h) {
		t.Errorf("%d of %d replies refused by Telegram", n-countOK(h), n)
	}
}

// An option too long for /new is quoted back clipped, so that the
// message saying so always fits, whatever the clerk pasted.
func TestWizardQuotesALongOptionClipped(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "en-US")
	boss.send("/new")
	boss.tap("Livestreaming of all committee sessions")
	boss.send("Sesiones 2027")
	boss.send("Sessões 2027")
	boss.tap("One option among several")
	boss.send("¿Cuál prefiere?")
	boss.send("Qual você prefere?")
	boss.tap("Skip →", "Skip →")
	boss.send("Sí\n" + strings.Repeat("<&>", 1300))
	boss.sees("use up to 60 characters")
	boss.sees(strings.Repeat("<&>", 26) + "<&…") // 80 characters, then …
	if n := len(h.srv.Calls("sendMessage")); n != countOK(h) {
		t.Errorf("%d of %d replies refused by Telegram", n-countOK(h), n)
	}
}

// countOK is how many sendMessage calls Telegram accepted.
func countOK(h *harness) int {
	n := 0
	for _, c := range h.srv.Calls("sendMessage") {
		if c.Code == 200 {
			n++
		}
	}
	return n
}

// A text answer is stored only from a message's text: a photo's caption,
// however long, is not taken as an answer, and the citizen is asked for
// text.
func TestCaptionIsNotAnAnswer(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(7003, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "4 🙂", "9", "Sitio web del Congreso", "Confirmar", "Sur")
	ana.sees("Pregunta 6 de 6")
	id, err := h.srv.PushRaw([]byte(`{"message":{"message_id":90,"date":1765378800,"chat":{"id":7003,"type":"private"},"from":{"id":7003,"is_bot":false,"first_name":"Ana","language_code":"es"},"photo":[{"file_id":"p1","file_unique_id":"u1","width":90,"height":90}],"caption":"` + strings.Repeat("largo ", 170) + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if got := ana.response().Answers["comment"]; got.Text != "" {
		t.Errorf("a caption was stored as the answer: %q", got.Text)
	}
	if ana.response().IsCompleted() {
		t.Error("a photo completed the response")
	}
}
