package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

const admin = 500

// Every registered staff command refuses a citizen, politely, in their
// language, and the attempt is in the audit log.
func TestEveryStaffCommandRefusesCitizens(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	if len(h.bot.staffCmds) < 3 {
		t.Fatalf("only %d staff commands registered", len(h.bot.staffCmds))
	}
	ana := h.citizen(1101, "pt-BR")
	for _, c := range h.bot.staffCmds {
		t.Run(c.name, func(t *testing.T) {
			ana.send("/" + c.name + " livestream-2026")
			ana.sees("este comando é para a equipe do parlamento")
		})
	}
	log, err := h.store.AuditLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range log {
		if e.Action == "refused" && !e.Allowed && e.Actor == 1101 {
			refused++
		}
	}
	if refused != len(h.bot.staffCmds) {
		t.Errorf("audit log has %d refusals, want %d", refused, len(h.bot.staffCmds))
	}
}

func TestGrantAndRevoke(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	boss := h.citizen(admin, "es")
	c := h.citizen(1102, "pt-BR")
	c.send("/start") // Carla writes to the bot, so her @username is known
	c.tap("Não, obrigado")

	c.send("/audit")
	c.sees("este comando é para a equipe")

	boss.send("/grant @Citizen1102 clerk")
	boss.sees("Listo: @Citizen1102 ahora es funcionario/a.")
	c.sees("Agora você tem o papel de servidor(a)")
	if !h.bot.roles.may(1102, clerks) {
		t.Error("the grant did not take effect")
	}
	menu := c.Commands()
	if !slices.ContainsFunc(menu, func(m models.BotCommand) bool {
		return m.Command == "consultations" || m.Command == "new" || m.Command == "broadcast"
	}) && len(h.bot.staffCmds) > 3 {
		t.Errorf("clerk's menu = %v, want staff commands in it", menu)
	}
	if slices.ContainsFunc(menu, func(m models.BotCommand) bool { return m.Command == "grant" }) {
		t.Errorf("clerk's menu = %v, want no admin commands", menu)
	}
	c.send("/grant 1103 clerk")
	c.sees("este comando é para a equipe") // clerks can't grant

	boss.send("/grant 1104 boss")
	boss.sees(`No conozco el rol "boss"`)
	boss.send("/grant @nobody clerk")
	boss.sees("No conozco a @nobody")
	boss.send("/grant")
	boss.sees("Escriba: /grant")

	boss.send("/revoke 1102")
	boss.sees("ya no tiene un rol")
	if h.bot.roles.may(1102, clerks) {
		t.Error("the revoke did not take effect")
	}
	if got := c.Commands(); len(got) != len(citizenCommands) {
		t.Errorf("menu after revoke = %v, want the citizens' menu", got)
	}

	// Roles survive a restart.
	boss.send("/grant 1102 analyst")
	h.restart()
	if !h.bot.roles.may(1102, readResults) || h.bot.roles.may(1102, clerks) {
		t.Errorf("after restart 1102 has roles %v, want analyst", h.bot.roles.of(1102))
	}

	boss.send("/audit")
	for _, want := range []string{"grant 1102 (clerk)", "revoke 1102", "refused /audit", "grant 1102 (analyst)"} {
		if !strings.Contains(boss.Last().Plain, want) {
			t.Errorf("audit shows:\n%s\nwant %q", boss.Last().Plain, want)
		}
	}
}

func TestSubscriptionIsOptIn(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(1105, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "No", "5", "Radio", "Confirmar", "Sur", "Omitir →")
	ana.sees("¿Quiere que le avise cuando haya una nueva consulta?")
	if isSubscribed(t, h, 1105) {
		t.Fatal("subscribed before saying yes")
	}
	ana.tap("Sí, avíseme")
	ana.sees("Le avisaré")
	if !isSubscribed(t, h, 1105) {
		t.Fatal("not subscribed after yes")
	}
	ana.send("/start")
	if strings.Contains(ana.Last().Plain, "¿Quiere que le avise") {
		t.Error("asked again")
	}
	ana.send("/stop")
	ana.sees("no le enviaré avisos")
	if isSubscribed(t, h, 1105) {
		t.Error("still subscribed after /stop")
	}
	ana.send("/subscribe")
	if !isSubscribed(t, h, 1105) {
		t.Error("not subscribed after /subscribe")
	}
}

// isSubscribed reports whether the citizen is in the store's subscribers.
func isSubscribed(t *testing.T, h *harness, userID int64) bool {
	t.Helper()
	found := false
	err := h.store.EachSubscriber(context.Background(), func(s consultations.Subscriber) error {
		found = found || s.UserID == userID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.store.Citizen(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subscribed != found {
		t.Errorf("citizen %d: Subscribed %v but in the index: %v", userID, c.Subscribed, found)
	}
	return found
}
