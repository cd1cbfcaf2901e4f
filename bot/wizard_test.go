package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// A clerk builds a one-question poll in Spanish: a new commitment, a
// single-choice question, a restart in the middle, the preview as citizens
// will see it, and the save; then opens it and a citizen answers it.
func TestNewWizardSpanish(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "es")
	boss.send("/new")
	boss.said("Nueva consulta rápida")
	boss.sees("¿Qué compromiso mide esta consulta?")
	if !boss.hasButton("Transmisión en vivo de todas las sesiones de comisión") {
		t.Errorf("commitment buttons = %q, want the reference's commitment", boss.buttons())
	}
	boss.tap("➕ Nuevo compromiso")
	boss.sees("Escriba el título del compromiso")
	boss.send("Audiencias públicas en las regiones")
	boss.sees("¿A qué pilar")
	boss.tap("Participación")
	boss.send("¿Participó en una audiencia pública?")
	boss.sees("Ahora escriba el título en portugués.")

	h.restart() // the dialogue is on disk: it carries on where it was
	boss.send("Você participou de uma audiência pública?")
	boss.sees("¿Qué tipo de pregunta")
	boss.tap("Una opción entre varias")
	boss.send("¿Cómo se enteró de la audiencia?")
	boss.send("Como você ficou sabendo da audiência?")
	boss.sees("Si quiere, escriba la pregunta en inglés")
	boss.tap("Omitir →")
	boss.sees("en francés")
	boss.send("Comment avez-vous appris l'audience ?")
	boss.sees("Escriba las opciones en español")
	boss.send("Radio")
	boss.sees("Escriba entre 2 y 10 opciones")
	boss.send("Radio\nRedes sociales\n\nPor un vecino o vecina")
	boss.sees("Ahora escriba las 3 opciones en portugués")
	boss.send("Rádio\nRedes sociais")
	boss.sees("Escriba 3 opciones, una por línea, igual que en español.")
	boss.send("Rádio\nRedes sociais\nPor um vizinho ou vizinha")

	// The preview: intro and question as a citizen sees them, then the choice.
	msgs := boss.Messages()
	n := len(msgs)
	if n < 4 {
		t.Fatalf("only %d messages", n)
	}
	preview, intro, question, actions := msgs[n-4], msgs[n-3], msgs[n-2], msgs[n-1]
	if !strings.Contains(preview.Plain, "Vista previa") {
		t.Errorf("preview heading = %q", preview.Plain)
	}
	if !strings.Contains(intro.Plain, "¿Participó en una audiencia pública?") || !strings.Contains(intro.Plain, "1 pregunta") || intro.Keyboard[0][0].Text != "Comenzar" {
		t.Errorf("preview intro = %q %v, want the title, 1 pregunta and Comenzar", intro.Plain, intro.Keyboard)
	}
	if !strings.Contains(question.Plain, "Pregunta 1 de 1") || !strings.Contains(question.Plain, "¿Cómo se enteró de la audiencia?") {
		t.Errorf("preview question = %q", question.Plain)
	}
	var labels []string
	for _, row := range question.Keyboard {
		labels = append(labels, row[0].Text)
	}
	if want := []string{"Radio", "Redes sociales", "Por un vecino o vecina"}; !slices.Equal(labels, want) {
		t.Errorf("preview options = %q, want %q", labels, want)
	}
	boss.tapData(question.ID, question.Keyboard[0][0].Data)
	if got, _ := boss.LastCallbackAnswer(); !strings.Contains(got, "vista previa") {
		t.Errorf("a tap on the preview answered %q, want it said it is a preview", got)
	}
	if !strings.Contains(actions.Plain, "¿Qué desea hacer") {
		t.Errorf("last message = %q, want the choice", actions.Plain)
	}

	boss.tap("💾 Guardar como borrador")
	slug := "participo-en-una-audiencia-publica"
	boss.sees("Guardada como borrador")
	boss.sees("/start " + slug)
	boss.sees("/open " + slug)
	c := h.consultation(slug)
	if c.Status != consultations.StatusDraft || c.DefaultLanguage != "es" || c.Title["pt"] != "Você participou de uma audiência pública?" {
		t.Errorf("stored %s, %s, title %v", c.Status, c.DefaultLanguage, c.Title)
	}
	if c.Commitment.Title["es"] != "Audiencias públicas en las regiones" || c.Commitment.Pillar != consultations.PillarParticipation || c.Commitment.ID != "audiencias-publicas-en-las" {
		t.Errorf("commitment = %+v", c.Commitment)
	}
	q := c.Questions[0]
	if q.Kind != consultations.KindSingle || q.Text["fr"] == "" || q.Text["en"] != "" || len(q.Options) != 3 || q.Options[1].ID != "redes-sociales" || q.Options[2].Text["pt"] != "Por um vizinho ou vizinha" {
		t.Errorf("question = %+v", q)
	}
	h.audited(clerkAdmin, "new", slug)
	if w := h.citizenRecord(clerkAdmin).Wizard; w != nil {
		t.Errorf("the dialogue is still on: %+v", w)
	}

	boss.send("/open " + slug)
	boss.tap("✅ Sí, abrirla")
	ana := h.citizen(1301, "pt-BR")
	ana.send("/start " + slug)
	ana.tap("Começar")
	ana.sees("Como você ficou sabendo da audiência?")
	ana.tap("Redes sociais")
	ana.said("Muito obrigado")
}

// A clerk whose Telegram speaks Portuguese builds a multiple-choice poll on
// an existing commitment, in Portuguese; a slug already taken gets a number.
func TestNewWizardPortuguese(t *testing.T) {
	h := newAuthoringHarness(t)
	if err := h.store.Grant(context.Background(), 1302, consultations.RoleClerk); err != nil {
		t.Fatal(err)
	}
	h.bot.reloadRoles(context.Background(), 1302)
	carla := h.citizen(1302, "pt-BR")
	carla.send("/new")
	carla.said("Nova consulta rápida")
	first := carla.Last()
	carla.tap("Transmissão ao vivo de todas as sessões de comissão")
	carla.sees("Escreva o título da consulta em espanhol.")
	carla.tapData(first.ID, first.Keyboard[0][0].Data) // an old button
	if got, _ := carla.LastCallbackAnswer(); !strings.Contains(got, "não está mais ativo") {
		t.Errorf("old button answered %q", got)
	}
	carla.send("Livestream 2026")
	carla.send("Transmissão 2026")
	carla.send("qualquer coisa")
	carla.sees("escolha pelos botões")
	carla.tap("Várias opções")
	carla.send("¿Dónde sigue las sesiones?")
	carla.send("Onde você acompanha as sessões?")
	carla.send("Where do you follow the sessions?")
	carla.tap("Pular →")
	carla.send("Sitio web\nTelevisión\nRadio")
	carla.send("Site\nTelevisão\nRádio")
	carla.sees("Escreva um número de 1 a 3, ou toque em Sem limite.")
	carla.send("5")
	carla.sees("Escreva um número de 1 a 3.")
	carla.send("2")

	msgs := carla.Messages()
	intro, question := msgs[len(msgs)-3], msgs[len(msgs)-2]
	if !strings.Contains(intro.Plain, "Transmissão 2026") || intro.Keyboard[0][0].Text != "Começar" {
		t.Errorf("preview intro = %q", intro.Plain)
	}
	for _, want := range []string{"Pergunta 1 de 1", "Onde você acompanha as sessões?", "Escolha até 2 opções e toque em Confirmar."} {
		if !strings.Contains(question.Plain, want) {
			t.Errorf("preview question = %q, want %q", question.Plain, want)
		}
	}
	if question.Keyboard[1][0].Text != "Televisão" || question.Keyboard[3][0].Text != "Confirmar" {
		t.Errorf("preview buttons = %v", question.Keyboard)
	}
	carla.sees("O que você quer fazer com esta consulta?")
	carla.tap("💾 Salvar como rascunho")
	carla.sees("Salva como rascunho")
	carla.sees("/open livestream-2026-2")
	c := h.consultation("livestream-2026-2")
	q := c.Questions[0]
	if c.Commitment.ID != "cl-2026-07" || c.Commitment.Pillar != consultations.PillarTransparency || len(c.Commitment.Indicators) != 0 {
		t.Errorf("commitment = %+v, want the reference's, without its indicators", c.Commitment)
	}
	if q.Kind != consultations.KindMultiple || q.Max != 2 || q.Text["en"] != "Where do you follow the sessions?" || q.Text["fr"] != "" {
		t.Errorf("question = %+v", q)
	}
	h.audited(1302, "new", "livestream-2026-2")
	saved := carla.Last()
	carla.tapData(saved.ID, encodeCallback(actWizSave, "save")) // a double tap saves nothing more
	if all, _ := h.store.Consultations(context.Background()); len(all) != 2 {
		t.Errorf("%d consultations after a double tap, want 2", len(all))
	}
}

// Start over, cancel, and a satisfaction question.
func TestNewWizardStartOverAndCancel(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "en-US")
	boss.send("/new")
	boss.tap("Livestreaming of all committee sessions")
	boss.send("Sesiones 2027")
	boss.send("Sessões 2027")
	boss.tap("Satisfaction (1 to 5)")
	boss.send("¿Qué tan satisfecho está?")
	boss.send(strings.Repeat("a", maxQuestionLength+1))
	boss.sees("That is too long: use up to 300 characters.")
	boss.send("Quão satisfeito você está?")
	boss.tap("Skip →", "Skip →")
	boss.said("Preview: this is how citizens will see the consultation")
	if q := boss.Messages()[len(boss.Messages())-2]; !strings.Contains(q.Plain, "Quão satisfeito") && !strings.Contains(q.Plain, "¿Qué tan satisfecho está?") {
		t.Errorf("preview question = %q", q.Plain)
	} else if len(q.Keyboard[0]) != 5 || q.Keyboard[0][3].Text != "4 🙂" {
		t.Errorf("satisfaction buttons = %v", q.Keyboard)
	}
	boss.tap("↺ Start over")
	boss.sees("Which commitment does this consultation measure?")
	boss.tap("➕ New commitment")
	boss.send("Something")
	boss.tap("Ethics and integrity")
	if w := h.citizenRecord(clerkAdmin).Wizard; w == nil || w.Step != stepTitleES || w.Data[keyTitle+".es"] != "" {
		t.Errorf("after start over the dialogue is %+v, want a fresh one at the title", w)
	}
	h.restart()
	handled, err := h.bot.cancelWizard(context.Background(), &turn{
		update: &models.Update{}, citizen: h.citizenRecord(clerkAdmin), lang: "en", chatID: clerkAdmin,
	})
	if !handled || err != nil {
		t.Fatalf("cancelWizard = %v, %v; want handled", handled, err)
	}
	boss.sees("I dropped the new consultation")
	if w := h.citizenRecord(clerkAdmin).Wizard; w != nil {
		t.Errorf("the dialogue is still on after cancel: %+v", w)
	}
	boss.send("hello")
	boss.sees("didn't understand")
	if all, _ := h.store.Consultations(context.Background()); len(all) != 1 {
		t.Errorf("%d consultations, want only the reference", len(all))
	}
}

// citizenRecord is the stored citizen.
func (h *harness) citizenRecord(id int64) *consultations.Citizen {
	h.t.Helper()
	c, err := h.store.Citizen(context.Background(), id)
	if err != nil {
		h.t.Fatalf("citizen %d: %v", id, err)
	}
	return c
}

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sesión del Pleno", "sesion-del-pleno"},
		{"¿Participó en una audiencia pública?", "participo-en-una-audiencia-publica"},
		{"  Ação & Participação 2026!! ", "acao-participacao-2026"},
		{"Ñandú", "nandu"},
		{"🙂🙂", ""},
		{strings.Repeat("abc ", 20), "abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc"},
		{"Transmisión en vivo de todas las sesiones de comisión del Congreso", "transmision-en-vivo-de-todas-las-sesiones-de"},
		{strings.Repeat("x", 60), strings.Repeat("x", 48)},
	}
	for _, tt := range tests {
		if got := slugify(tt.in, maxSlugLength); got != tt.want {
			t.Errorf("slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := slugify(tt.in, maxSlugLength); got != "" && !consultations.SlugPattern.MatchString(got) {
			t.Errorf("slugify(%q) = %q is not a slug", tt.in, got)
		}
	}
}

func TestOptionIDs(t *testing.T) {
	got := optionIDs([]string{"Sí", "sí", "🙂", "O3", "Redes sociales"})
	want := []string{"si", "o2", "o3", "o4", "redes-sociales"} // "o3" is taken when "O3" comes
	if !slices.Equal(got, want) {
		t.Errorf("optionIDs = %q, want %q", got, want)
	}
}

// tapData taps a button by its data on a message, whatever it shows now,
// and waits until the bot has handled it.
func (c *citizen) tapData(messageID int, data string) {
	c.h.t.Helper()
	if err := c.h.srv.WaitConfirmed(c.ctx(), c.TapData(messageID, data)); err != nil {
		c.h.t.Fatalf("tap %q: %v", data, err)
	}
}
