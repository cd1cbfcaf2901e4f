package bot

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// clerkAdmin is the configured admin the authoring tests act as.
const clerkAdmin = 600

// newAuthoringHarness is the usual harness with clerkAdmin as an admin.
func newAuthoringHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarnessWithAdmins(t, clerkAdmin)
	return h
}

// sendFile sends a document and waits until the bot has handled it.
func (c *citizen) sendFile(name string, data []byte) {
	c.h.t.Helper()
	if err := c.SendDocumentWait(c.ctx(), name, data); err != nil {
		c.h.t.Fatalf("send %s: %v", name, err)
	}
}

// consultation is the stored consultation with the slug.
func (h *harness) consultation(slug string) *consultations.Consultation {
	h.t.Helper()
	c, err := h.store.Consultation(context.Background(), slug)
	if err != nil {
		h.t.Fatalf("consultation %q: %v", slug, err)
	}
	return c
}

// audited fails unless the audit log has an allowed entry with the action
// and target by actor.
func (h *harness) audited(actor int64, action, target string) {
	h.t.Helper()
	log, err := h.store.AuditLog(context.Background(), 200)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range log {
		if e.Actor == actor && e.Action == action && e.Target == target && e.Allowed {
			return
		}
	}
	h.t.Errorf("audit log has no %q %q by %d; it has %+v", action, target, actor, log)
}

// readFile reads a test file.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lineOf is the 1-based line of the first line of text containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q", s)
	return 0
}

// Citizens are refused every authoring command and button, politely and
// in their language; their documents are not imported; analysts may list
// but not change.
func TestAuthoringIsForClerks(t *testing.T) {
	h := newAuthoringHarness(t)
	ana := h.citizen(1201, "es")
	for _, cmd := range []string{"/new", "/consultations", "/open livestream-2026", "/close livestream-2026"} {
		ana.send(cmd)
		ana.sees("este comando es para el personal del parlamento")
	}
	ana.send("/start " + reference)
	key := slugKey(reference)
	for _, data := range []string{
		encodeCallback(actLifecycle, opClose, key), encodeCallback(actAskClose, key),
		encodeCallback(actWizCommitment, "new"), encodeCallback(actWizSave, "save"),
	} {
		ana.tapData(ana.Last().ID, data)
		if got, _ := ana.LastCallbackAnswer(); !strings.Contains(got, "este comando es para el personal") {
			t.Errorf("forged tap %q answered %q, want a refusal", data, got)
		}
	}
	if got := h.consultation(reference).Status; got != consultations.StatusOpen {
		t.Errorf("after a citizen's forged close the consultation is %s, want open", got)
	}

	ana.sendFile("livestream-2026.yaml", readFile(t, "../consultations/demo/livestream-2026.yaml"))
	ana.sees("no entendí")
	if n := h.srv.CallCount("getFile"); n != 0 {
		t.Errorf("the bot fetched a citizen's document (%d getFile calls)", n)
	}

	// An analyst reads the list, without buttons, and may change nothing.
	if err := h.store.Grant(context.Background(), 1202, consultations.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	h.bot.reloadRoles(context.Background(), 1202)
	eva := h.citizen(1202, "pt-BR")
	eva.send("/consultations")
	eva.sees("livestream-2026 · aberta")
	if len(eva.Last().Keyboard) != 0 {
		t.Errorf("analyst's list has buttons %v, want none", eva.buttons())
	}
	eva.send("/open livestream-2026")
	eva.sees("este comando é para a equipe")
	eva.sendFile("x.yaml", []byte("slug: x\n"))
	eva.sees("este comando é para a equipe")
}

// The reference file, sent as a document, is imported as `parlabot import`
// would: under a new slug, then as an update.
func TestImportDocument(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "es")
	ref := string(readFile(t, "../consultations/demo/livestream-2026.yaml"))

	boss.sendFile("transmision.yaml", []byte(strings.Replace(ref, "slug: livestream-2026", "slug: transmision-b", 1)))
	boss.sees("Importada transmision-b: 6 preguntas, abierta (abre 2026-12-01 09:00 -03:00, cierra 2027-01-31 23:59 -03:00)")
	if c := h.consultation("transmision-b"); c.Status != consultations.StatusOpen || len(c.Questions) != 6 {
		t.Errorf("stored %s with %d questions, want open with 6", c.Status, len(c.Questions))
	}
	h.audited(clerkAdmin, "import", "transmision-b")

	boss.sendFile("livestream-2026.yaml", []byte(ref))
	boss.sees("Actualizada livestream-2026: 6 preguntas, abierta")

	// Dates in the future: a draft, which the schedule will open.
	future := strings.NewReplacer("slug: livestream-2026", "slug: later", "opens: 2026-12-01", "opens: 2027-03-01", "closes: 2027-01-31", "closes: 2027-04-30").Replace(ref)
	boss.sendFile("later.yml", []byte(future))
	boss.sees("Importada later: 6 preguntas, borrador (abre 2027-03-01 09:00 -03:00")
}

// A bad file is refused whole, each problem on its own line as the command
// line prints it; so is an edit that would break recorded answers.
func TestImportDocumentRefused(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "es")
	boss.sendFile("bad.yaml", readFile(t, "../cmd/parlabot/testdata/bad.yaml"))
	got := boss.Last().Plain
	for _, want := range []string{
		"bad.yaml: no se importó (",
		"problemas); corríjalo y envíelo de nuevo: no cambió nada.",
		`bad.yaml: slug (line 1): slug "bad one" may only have letters, digits, - and _ (at most 64): it is used in t.me links to the consultation`,
		"bad.yaml: closes (line 9): closes (2026-12-01 09:00 -03:00) must be after opens (2026-12-10 09:00 -03:00); check both dates",
		`bad.yaml: questions[0].kind (line 12): unknown kind "slider"; use single, multiple, satisfaction, scale or text`,
		`bad.yaml: questions[1].id (line 14): question id "q1" is already used by questions[0]; give each question its own id`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal:\n%s\nwant it to contain %q", got, want)
		}
	}
	if _, err := h.store.Consultation(context.Background(), "bad one"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("a refused file was stored (%v)", err)
	}

	// A citizen answers; an edit changing an answered question's kind and
	// dropping a chosen option is refused, with the lines of the file.
	ana := h.citizen(1203, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí", "4 🙂")
	ref := string(readFile(t, "../consultations/demo/livestream-2026.yaml"))
	edited := strings.NewReplacer(
		"    kind: satisfaction        # 1 (very", "    kind: scale        # 1 (very",
		"measure: top2box", "measure: mean",
		`- id: "yes"`, `- id: "si"`, `option: "yes"`, `option: "si"`, `is: "yes"`, `is: "si"`,
	).Replace(ref)
	boss.sendFile("livestream-2026.yaml", []byte(edited))
	got = boss.Last().Plain
	for _, want := range []string{
		"livestream-2026.yaml: no se importó (2 problemas)",
		`livestream-2026.yaml: questions[0].options (line ` + strconv.Itoa(lineOf(t, edited, "    options:")) + `): option "yes" of question "watched" was chosen in 1 answer and cannot be removed`,
		`livestream-2026.yaml: questions[1].kind (line ` + strconv.Itoa(lineOf(t, edited, "kind: scale        # 1 (very")) + `): cannot change from satisfaction to scale`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal:\n%s\nwant it to contain %q", got, want)
		}
	}
	if q := h.consultation(reference).Question("satisfaction"); q.Kind != consultations.KindSatisfaction {
		t.Errorf("the refused edit changed the question to %s", q.Kind)
	}
}

// Documents that are not consultation files, or too big, are not fetched.
func TestImportDocumentNotYAMLOrTooBig(t *testing.T) {
	h := newAuthoringHarness(t)
	boss := h.citizen(clerkAdmin, "pt-BR")
	boss.sendFile("relatorio.pdf", []byte("%PDF-1.4"))
	boss.sees("envie o arquivo .yaml dela")
	boss.sendFile("grande.yaml", make([]byte, maxImportSize+1))
	boss.sees("O arquivo tem mais de 1 MB e não foi importado.")
	if n := h.srv.CallCount("getFile"); n != 0 {
		t.Errorf("getFile called %d times, want none", n)
	}
}

// Every button of the authoring screens decodes, within Telegram's limit.
func TestAuthoringCallbackData(t *testing.T) {
	key := slugKey(strings.Repeat("s", 64))
	for _, data := range []string{
		encodeCallback(actWizCommitment, key), encodeCallback(actWizCommitment, "new"),
		encodeCallback(actWizPillar, string(consultations.PillarAccountability)),
		encodeCallback(actWizKind, string(consultations.KindSatisfaction)),
		encodeCallback(actWizSkip, stepTextFR), encodeCallback(actWizSave, "restart"), encodeCallback(actWizPreview),
		encodeCallback(actAskOpen, key), encodeCallback(actAskClose, key), encodeCallback(actListBroadcast, key),
		encodeCallback(actLifecycle, opClose, key), encodeCallback(actLifecycleKeep),
	} {
		if len(data) > maxCallbackData {
			t.Errorf("%q is %d bytes, over Telegram's %d", data, len(data), maxCallbackData)
		}
		if _, ok := decodeCallback(data); !ok {
			t.Errorf("%q does not decode", data)
		}
	}
}
