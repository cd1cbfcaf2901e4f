package bot

import (
	"strings"
	"testing"
)

// Exported as JSON Lines before anyone answered, a consultation is an empty
// file, which Telegram refuses to send: the clerk gets the codebook, saying
// there are no responses yet, and no error.
func TestExportWithoutResponsesAsJSONLines(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	boss := h.citizen(admin, "es")
	boss.send("/export " + reference + " jsonl")
	waitExported(t, h)
	for _, m := range boss.Messages() {
		if m.FromBot && strings.Contains(m.Plain, "No pude preparar la exportación") {
			t.Fatalf("the clerk was told the export failed: %s", m.Plain)
		}
	}
	book := document(t, boss, reference+"-codebook.json")
	if !strings.Contains(book.Plain, "todavía sin respuestas") {
		t.Errorf("codebook caption = %q, want it to say there are no responses yet", book.Plain)
	}
	if len(book.Document.Data) == 0 || !strings.Contains(string(book.Document.Data), `"watched"`) {
		t.Errorf("codebook = %.200q, want the questions described", book.Document.Data)
	}
	if _, ok := documents(boss)[reference+".jsonl"]; ok {
		t.Error("an empty livestream-2026.jsonl was sent")
	}
}
