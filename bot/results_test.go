package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// answerAll has n citizens complete the reference consultation in Spanish,
// the first k of them satisfied (5), the others not (2).
func answerAll(t *testing.T, h *harness, first int64, n, k int) []*citizen {
	t.Helper()
	var out []*citizen
	for i := range n {
		c := h.citizen(first+int64(i), "es")
		c.send("/start " + reference)
		sat := "2 🙁"
		if i < k {
			sat = "5 😄"
		}
		c.tap("Comenzar", "Sí", sat, "8", "Radio", "Confirmar", "Sur")
		c.send(fmt.Sprintf("Más cámaras en las comisiones %d", i))
		c.tap("No, gracias")
		out = append(out, c)
	}
	return out
}

func TestStaffResultsAndPublish(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	people := answerAll(t, h, 3000, 6, 4)
	boss := h.citizen(admin, "es")

	boss.send("/results " + reference)
	var summary string
	for _, m := range boss.Messages() {
		if strings.Contains(m.Plain, "📊") {
			summary = m.Plain
		}
	}
	for _, want := range []string{
		"Terminaron 6 de 6 que comenzaron (100\u00a0%)",
		"Satisfechos (4 o 5) — ¿Qué tan satisfecho/a está con la calidad de las transmisiones?",
		"66,7\u00a0% (margen de error ±", "n = 6) · meta 60\u00a0% · línea de base 42\u00a0%",
		"Lo más mencionado: cámaras",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary:\n%s\nwant %q", summary, want)
		}
	}
	if n := h.srv.CallCount("sendPhoto"); n < 3 {
		t.Errorf("%d charts sent, want the indicators and the questions' distributions", n)
	}

	// Publishing needs the consultation closed.
	boss.send("/publish " + reference)
	boss.sees("Cierre la consulta antes de publicar")
	h.clock.Set(time.Date(2027, 2, 2, 0, 0, 0, 0, time.UTC))
	boss.send("/publish " + reference)
	boss.sees("¿Envío también este resumen a las 6 personas que respondieron?")
	boss.tap("Enviar")
	for _, p := range people {
		p := p
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.Last().Plain, "Esto es lo que resultó") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p.sees("¡Gracias! 6 personas respondieron esta consulta.")
		p.sees("Satisfechos (4 o 5) — ¿Qué tan satisfecho/a está con la calidad de las transmisiones?: 67\u00a0%")
	}

	// Any citizen can read published results.
	other := h.citizen(3100, "pt-BR")
	other.send("/results")
	other.sees("Resultados publicados:")
	other.tap("Avalie a transmissão das sessões do Congresso")
	other.sees("Obrigado! 6 pessoas responderam a esta consulta.")

	log, _ := h.store.AuditLog(other.ctx(), 50)
	found := false
	for _, e := range log {
		found = found || (e.Action == "publish" && e.Target == reference)
	}
	if !found {
		t.Error("publish is not in the audit log")
	}
}

func TestCitizensSeeOnlyPublishedResults(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	ana := h.citizen(3200, "es")
	ana.send("/results " + reference) // a citizen can't read unpublished results
	ana.sees("Todavía no se publicaron resultados")
	if strings.Contains(ana.Last().Plain, "Satisfechos") {
		t.Error("a citizen saw unpublished results")
	}
}
