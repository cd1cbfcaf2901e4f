package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// waitAnonymised waits until the consultation is marked anonymised.
func waitAnonymised(t *testing.T, h *harness, slug string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.consultation(slug).Anonymised.IsZero() {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still not anonymised after 10s", slug)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// withoutParticipant is a CSV export's rows without the participant column.
func withoutParticipant(rows []map[string]string) []map[string]string {
	out := make([]map[string]string, len(rows))
	for i, r := range rows {
		out[i] = map[string]string{}
		for k, v := range r {
			if k != "participant" {
				out[i][k] = v
			}
		}
	}
	return out
}

func TestRetention(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	const (
		recent = "recent-2027" // closes 2027-06-01: not long enough ago
		open   = "open-2029"   // still open
		manual = "manual-2026" // closed by hand on 2026-12-10
	)
	h.importAs(recent, "", "2027-06-01T09:00:00-03:00")
	h.importAs(open, "", "2029-06-01T09:00:00-03:00")
	h.importAs(manual, "", "2029-06-01T09:00:00-03:00")
	ana, bruno := h.citizen(rightsAna, "es"), h.citizen(rightsBruno, "es")
	answerAs(ana, reference, "5 😄", "Comentario de Ana", true)
	for _, slug := range []string{recent, open, manual} {
		answerAs(ana, slug, "4 🙂", "Otro comentario", false)
	}
	answerAs(bruno, reference, "2 🙁", "Comentario de Bruno", true)
	boss := h.citizen(admin, "es")
	boss.send("/close " + manual)
	boss.tap("⏹ Sí, cerrarla")
	if got := h.consultation(manual).ClosedAt; !got.Equal(h.clock.Now()) {
		t.Fatalf("closed by hand at %v, want the time it was closed, %v", got, h.clock.Now())
	}

	pa, pb := pseudonymOf(t, h, ana), pseudonymOf(t, h, bruno)
	rowsBefore := readCSV(t, "the CSV", csvExport(t, h, reference))
	_, reportBefore := reportOf(t, h, reference)
	_, manualBefore := reportOf(t, h, manual)

	// A year and a bit after the reference closed (2027-01-31), the bot
	// starts with a retention period of 365 days.
	h.clock.Set(time.Date(2028, 2, 15, 12, 0, 0, 0, time.UTC))
	h.configure = func(cfg *Config) { cfg.Retention = 365 * 24 * time.Hour }
	h.restart()
	waitAnonymised(t, h, reference)
	waitAnonymised(t, h, manual)

	data := csvExport(t, h, reference)
	rowsAfter := readCSV(t, "the CSV", data)
	if len(rowsAfter) != len(rowsBefore) {
		t.Fatalf("the CSV has %d rows, want %d as before", len(rowsAfter), len(rowsBefore))
	}
	if got, want := withoutParticipant(rowsAfter), withoutParticipant(rowsBefore); !equalRows(got, want) {
		t.Errorf("answers in the CSV:\n%v\nwant as before:\n%v", got, want)
	}
	for _, p := range []string{pa, pb} {
		if strings.Contains(string(data), p) {
			t.Errorf("the CSV still has the pseudonym %s", p)
		}
		if _, err := h.store.Response(context.Background(), reference, p); consultations.ErrorCode(err) != consultations.ENOTFOUND {
			t.Errorf("the participants index still leads from %s to a response: %v", p, err)
		}
	}
	if rowsAfter[0]["participant"] == rowsAfter[1]["participant"] {
		t.Error("two responses share a participant id")
	}
	if _, got := reportOf(t, h, reference); got != reportBefore {
		t.Errorf("report after:\n%s\nwant as before:\n%s", got, reportBefore)
	}
	if _, got := reportOf(t, h, manual); got != manualBefore {
		t.Errorf("report on %s after:\n%s\nwant as before:\n%s", manual, got, manualBefore)
	}

	doc, _ := myData(t, ana, "parlabot-mis-datos.json")
	var slugs []string
	for _, r := range doc.Responses {
		slugs = append(slugs, r.Consultation)
	}
	if want := []string{open, recent}; !slices.Equal(slugs, want) {
		t.Errorf("/mydata lists responses to %v, want %v: the others are no longer hers", slugs, want)
	}
	if !strings.Contains(doc.Retention, "plazo de conservación") {
		t.Errorf("/mydata says %q about retention, want the period explained", doc.Retention)
	}
	for _, slug := range []string{recent, open} {
		if !h.consultation(slug).Anonymised.IsZero() {
			t.Errorf("%s was anonymised", slug)
		}
		if _, err := h.store.Response(context.Background(), slug, pa); err != nil {
			t.Errorf("Ana's response to %s: %v, want it linked still", slug, err)
		}
	}

	entries := auditEntries(t, h, "retention")
	var details []string
	for _, e := range entries {
		details = append(details, e.Target+": "+e.Detail)
	}
	slices.Sort(details)
	if want := []string{
		"livestream-2026: responses unlinked from citizens: 2 (closed 2027-02-01, retention 365d)",
		"manual-2026: responses unlinked from citizens: 1 (closed 2026-12-10, retention 365d)",
	}; !slices.Equal(details, want) {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(details, "\n"), strings.Join(want, "\n"))
	}

	// Done once: a later round changes nothing.
	ids := participants(t, h, reference)
	if err := h.bot.applyRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := participants(t, h, reference); !slices.Equal(got, ids) {
		t.Error("a second round gave new participant ids")
	}
	if n := len(auditEntries(t, h, "retention")); n != 2 {
		t.Errorf("audit log has %d retention entries after a second round, want 2", n)
	}

	boss.send("/open " + manual)
	boss.sees("Esta consulta ya no se puede reabrir")
	if got := h.consultation(manual).Status; got != consultations.StatusClosed {
		t.Errorf("%s is %s, want closed", manual, got)
	}
}

// equalRows compares CSV rows.
func equalRows(a, b []map[string]string) bool {
	return slices.EqualFunc(a, b, func(x, y map[string]string) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	})
}
