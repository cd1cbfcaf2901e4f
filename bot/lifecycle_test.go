package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// importAs stores the reference consultation under another slug, with
// other dates ("" keeps the reference's), as `parlabot import` would.
func (h *harness) importAs(slug, opens, closes string) {
	h.t.Helper()
	text := string(readFile(h.t, "testdata/livestream-2026.yaml"))
	text = strings.Replace(text, "slug: livestream-2026", "slug: "+slug, 1)
	if opens != "" {
		text = strings.Replace(text, "opens: 2026-12-01T09:00:00-03:00", "opens: "+opens, 1)
	}
	if closes != "" {
		text = strings.Replace(text, "closes: 2027-01-31T23:59:00-03:00", "closes: "+closes, 1)
	}
	f, err := consultations.ParseFile([]byte(text))
	if err != nil {
		h.t.Fatal(err)
	}
	c := f.Consultation
	c.Status = consultations.StatusDraft
	c.Status = c.StatusAt(h.clock.Now())
	if err := h.store.PutConsultation(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
}

// The list shows each consultation's status and completed responses, open
// ones first, with the buttons a clerk needs.
func TestConsultationsList(t *testing.T) {
	h := newAuthoringHarness(t)
	h.importAs("aaa-later", "2027-03-01T09:00:00-03:00", "2027-04-01T09:00:00-03:00") // a draft
	h.importAs("aaa-past", "2026-01-01T09:00:00-03:00", "2026-02-01T09:00:00-03:00")  // closed
	for i, id := range []int64{1401, 1402} {
		c := h.citizen(id, "es")
		c.send("/start " + reference)
		c.tap("Comenzar", "No", "8", "Radio", "Confirmar", "Sur")
		if i == 0 {
			c.tap("Omitir →")
		}
	}
	boss := h.citizen(clerkAdmin, "es")
	boss.send("/consultations")
	got := boss.Last().Plain
	for _, want := range []string{
		"Consultas",
		"🟢 Evalúe la transmisión de las sesiones del Congreso\nlivestream-2026 · abierta · 1 respuesta completa",
		"aaa-later · borrador · 0 respuestas completas",
		"aaa-past · cerrada · 0 respuestas completas",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("list:\n%s\nwant %q", got, want)
		}
	}
	if strings.Index(got, "livestream-2026") > strings.Index(got, "aaa-later") || strings.Index(got, "aaa-later") > strings.Index(got, "aaa-past") {
		t.Errorf("list:\n%s\nwant open, then drafts, then closed", got)
	}
	for _, want := range []string{"⏹ Cerrar livestream-2026", "📣 Difundir livestream-2026", "▶ Abrir aaa-later", "▶ Reabrir aaa-past"} {
		if !boss.hasButton(want) {
			t.Errorf("buttons = %q, want %q", boss.buttons(), want)
		}
	}
	h.citizen(1402, "es").send("/subscribe")
	boss.tap("📣 Difundir livestream-2026")
	boss.sees("Invitación a responder") // the broadcast's plan, as /broadcast shows it
	boss.sees("1 persona suscrita")

	boss.send("/consultations")
	boss.tap("▶ Abrir aaa-later")
	boss.sees("¿Abrir esta consulta?")
	boss.tap("✅ Sí, abrirla")
	if got := h.consultation("aaa-later").Status; got != consultations.StatusOpen {
		t.Errorf("opened from the list: %s", got)
	}
}

// Opening and closing ask for confirmation, change the stored status,
// tell citizens kindly, and are audited; reopening after the closing time
// clears it.
func TestOpenCloseWithConfirmation(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "es")
	ana := h.citizen(1403, "es")

	boss.send("/close")
	boss.sees("Escriba: /close <identificador>")
	boss.send("/close nope")
	boss.sees("No encuentro esa consulta")
	boss.send("/open " + reference)
	boss.sees("Esta consulta ya está abierta.")

	boss.send("/close " + reference)
	boss.sees("¿Cerrar esta consulta?")
	boss.sees("livestream-2026 · abierta")
	boss.tap("No, dejarla como está")
	boss.sees("no cambié nada")
	if got := h.consultation(reference).Status; got != consultations.StatusOpen {
		t.Fatalf("after No the consultation is %s", got)
	}

	boss.send("/close " + reference)
	confirm := boss.Last()
	boss.tap("⏹ Sí, cerrarla")
	boss.sees("Cerrada: ya no recibe respuestas")
	if got := h.consultation(reference).Status; got != consultations.StatusClosed {
		t.Fatalf("after closing the consultation is %s", got)
	}
	h.audited(clerkAdmin, "close", reference)
	boss.tapData(confirm.ID, confirm.Keyboard[0][0].Data) // a double tap
	boss.sees("Esta consulta ya está cerrada.")
	ana.send("/start " + reference)
	ana.sees("no está recibiendo respuestas")

	boss.send("/open " + reference)
	boss.sees("¿Reabrir esta consulta?")
	boss.tap("✅ Sí, abrirla")
	boss.sees("Abierta: los ciudadanos ya pueden responderla.")
	boss.sees("/start livestream-2026")
	h.audited(clerkAdmin, "open", reference)
	ana.send("/start " + reference)
	ana.sees("Evalúe la transmisión")

	// After its closing time the consultation is closed; reopening it
	// clears the closing time, and says so.
	h.clock.Set(time.Date(2027, 2, 2, 12, 0, 0, 0, time.UTC))
	ana.send("/start " + reference)
	ana.sees("no está recibiendo respuestas")
	boss.send("/open " + reference)
	boss.sees("Su fecha de cierre ya pasó")
	boss.tap("✅ Sí, abrirla")
	boss.sees("Quité la fecha de cierre")
	if c := h.consultation(reference); c.Status != consultations.StatusOpen || !c.Closes.IsZero() {
		t.Errorf("reopened: %s, closes %v; want open with no closing time", c.Status, c.Closes)
	}
	ana.send("/start " + reference)
	ana.sees("Evalúe la transmisión")

	// A draft has nothing to close.
	h.importAs("later", "2027-03-01T09:00:00-03:00", "2027-04-01T09:00:00-03:00")
	boss.send("/close later")
	boss.sees("Esta consulta es un borrador")
}

// opens and closes are honoured by the schedule, which stores the status
// and audits it, also after a restart.
func TestScheduleOpensAndCloses(t *testing.T) {
	h := newAuthoringHarness(t)
	h.importAs("scheduled", "2026-12-20T09:00:00-03:00", "2026-12-31T18:00:00-03:00")
	ctx := context.Background()
	if err := h.bot.applySchedule(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.consultation("scheduled").Status; got != consultations.StatusDraft {
		t.Fatalf("before opens: %s, want draft", got)
	}
	ana := h.citizen(1404, "es")
	ana.send("/start scheduled")
	ana.sees("no está recibiendo respuestas")

	h.clock.Set(time.Date(2026, 12, 20, 12, 0, 1, 0, time.UTC))
	if err := h.bot.applySchedule(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.consultation("scheduled").Status; got != consultations.StatusOpen {
		t.Fatalf("after opens: %s, want open", got)
	}
	h.audited(0, "open (scheduled)", "scheduled")
	ana.send("/start scheduled")
	ana.sees("Evalúe la transmisión")

	// The bot is down when closes passes: it catches up as it starts.
	h.stop()
	h.clock.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	h.open()
	h.start()
	sctx, cancel := context.WithCancel(ctx)
	done := h.bot.StartScheduler(sctx)
	if got := h.consultation("scheduled").Status; got != consultations.StatusClosed {
		t.Errorf("after closes and a restart: %s, want closed", got)
	}
	h.audited(0, "close (scheduled)", "scheduled")
	cancel()
	<-done
	ana.send("/start scheduled")
	ana.sees("no está recibiendo respuestas")

	// Nothing to do: no new audit entries.
	before, _ := h.store.AuditLog(ctx, 1000)
	if err := h.bot.applySchedule(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := h.store.AuditLog(ctx, 1000)
	if len(after) != len(before) {
		t.Errorf("a second pass wrote %d audit entries", len(after)-len(before))
	}
}
