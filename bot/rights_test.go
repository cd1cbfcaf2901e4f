package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/export"
)

// Ids in these tests are long enough that finding one in a document's
// bytes cannot be chance.
const (
	rightsAna   = 7710001
	rightsBruno = 7710002
	rightsCarla = 7710003
)

// budget is a second consultation, a copy of the reference under another
// slug, open at the harness's time.
const budget = "budget-2027"

// answerAs takes a citizen through a copy of the reference consultation:
// watched, satisfaction sat, 8, radio, south, then comment. The first time
// they answer by a link, they decline news.
func answerAs(c *citizen, slug, sat, comment string, first bool) {
	c.h.t.Helper()
	c.send("/start " + slug)
	c.tap("Comenzar", "Sí", sat, "8", "Radio", "Confirmar", "Sur")
	c.send(comment)
	c.said("Muchas gracias")
	if first {
		c.tap("No, gracias")
	}
}

// pseudonymOf is the citizen's pseudonym in this database.
func pseudonymOf(t *testing.T, h *harness, c *citizen) string {
	t.Helper()
	key, err := h.store.Secret(context.Background(), consultations.PseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	return consultations.Pseudonym(key, c.ID())
}

// participants lists the participants of a consultation's stored
// responses, in order.
func participants(t *testing.T, h *harness, slug string) []string {
	t.Helper()
	var out []string
	if err := h.store.EachResponse(context.Background(), slug, func(r *consultations.Response) error {
		out = append(out, r.Participant)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// csvExport is a consultation's wide CSV export, as `parlabot export` and
// /export write it.
func csvExport(t *testing.T, h *harness, slug string) []byte {
	t.Helper()
	ctx := context.Background()
	c := h.consultation(slug)
	var buf bytes.Buffer
	w, err := export.New(&buf, c, export.FormatCSV, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.EachResponse(ctx, slug, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reportOf is a consultation's report as `parlabot report` makes it, as
// JSON, at a fixed time so that two reports compare.
func reportOf(t *testing.T, h *harness, slug string) (*consultations.Report, string) {
	t.Helper()
	r, err := consultations.ReportFrom(context.Background(), h.store, h.consultation(slug), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(data)
}

// auditEntries are the audit log's entries with the action, newest first.
func auditEntries(t *testing.T, h *harness, action string) []consultations.AuditEntry {
	t.Helper()
	log, err := h.store.AuditLog(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []consultations.AuditEntry
	for _, e := range log {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// myDataDoc is the JSON document /mydata sends, as a citizen's program
// would read it.
type myDataDoc struct {
	About     string         `json:"about"`
	Citizen   map[string]any `json:"citizen"`
	Pseudonym struct {
		Value       string `json:"value"`
		Explanation string `json:"explanation"`
	} `json:"pseudonym"`
	Conversation *struct {
		Consultation string `json:"consultation"`
		Title        string `json:"title"`
	} `json:"conversation"`
	Responses []struct {
		Consultation string `json:"consultation"`
		Title        string `json:"title"`
		Completed    string `json:"completed"`
		Answers      []struct {
			Question     string   `json:"question"`
			QuestionText string   `json:"question_text"`
			Answer       any      `json:"answer"`
			Codes        []string `json:"codes"`
		} `json:"answers"`
	} `json:"responses"`
	Retention string `json:"retention"`
}

// myData sends /mydata and reads the document that comes back.
func myData(t *testing.T, c *citizen, name string) (myDataDoc, telegramtest.Message) {
	t.Helper()
	c.send("/mydata")
	m := document(t, c, name)
	var doc myDataDoc
	if err := json.Unmarshal(m.Document.Data, &doc); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", name, err, m.Document.Data)
	}
	return doc, m
}

func TestMyData(t *testing.T) {
	h := newHarness(t)
	h.importAs(budget, "", "")
	ana, bruno := h.citizen(rightsAna, "es"), h.citizen(rightsBruno, "es")
	answerAs(ana, reference, "5 😄", "Más cámaras en las comisiones", true)
	answerAs(ana, budget, "2 🙁", "Publiquen el presupuesto antes", false)
	answerAs(bruno, reference, "4 🙂", "Lo que Bruno piensa en secreto", true)
	ana.send("/start " + reference) // back at the intro: a conversation in progress

	if !slices.ContainsFunc(ana.Commands(), func(c models.BotCommand) bool {
		return c.Command == "mydata" && c.Description == "Recibir mis datos"
	}) || !slices.ContainsFunc(ana.Commands(), func(c models.BotCommand) bool {
		return c.Command == "forget" && c.Description == "Borrar mis datos"
	}) {
		t.Errorf("citizen's menu = %v, want /mydata and /forget in it", ana.Commands())
	}

	doc, m := myData(t, ana, "parlabot-mis-datos.json")
	if want := "Estos son todos los datos que guardamos sobre usted, con sus respuestas a 2 consultas. Si quiere que los borremos, envíe /forget."; m.Plain != want {
		t.Errorf("caption = %q, want %q", m.Plain, want)
	}
	var slugs []string
	for _, r := range doc.Responses {
		slugs = append(slugs, r.Consultation)
		if r.Title != "Evalúe la transmisión de las sesiones del Congreso" || r.Completed == "" {
			t.Errorf("response to %s: title %q, completed %q; want the title in Spanish and when it was completed", r.Consultation, r.Title, r.Completed)
		}
	}
	if want := []string{budget, reference}; !slices.Equal(slugs, want) {
		t.Fatalf("responses to %v, want %v", slugs, want)
	}
	answers := map[string]string{}
	for _, a := range doc.Responses[1].Answers {
		raw, _ := json.Marshal(a.Answer)
		answers[a.Question] = a.QuestionText + " = " + string(raw) + " " + strings.Join(a.Codes, ",")
	}
	for q, want := range map[string]string{
		"watched":      `¿Ha visto alguna sesión de comisión transmitida en vivo este año? = "Sí" yes`,
		"satisfaction": `¿Qué tan satisfecho/a está con la calidad de las transmisiones? = 5 `,
		"recommend":    `¿Qué tan probable es que recomiende las transmisiones a otra persona? = 8 `,
		"channels":     `¿Por dónde prefiere seguir las sesiones? (hasta 2) = ["Radio"] radio`,
		"region":       `¿En qué zona del país vive? = "Sur" south`,
		"comment":      `¿Qué mejoraría de las transmisiones? = "Más cámaras en las comisiones" `,
	} {
		if got := answers[q]; got != want {
			t.Errorf("answer to %s = %q, want %q", q, got, want)
		}
	}
	if got := doc.Responses[0].Answers; len(got) == 0 || got[len(got)-1].Answer != "Publiquen el presupuesto antes" {
		t.Errorf("answers to %s = %+v, want the comment given there", budget, got)
	}
	if doc.Citizen["user_id"] != float64(rightsAna) || doc.Citizen["language"] != "es" || doc.Citizen["created"] == nil || doc.Citizen["subscribe_asked"] != true {
		t.Errorf("citizen = %v, want the stored record: user id, language, first seen, asked about news", doc.Citizen)
	}
	if doc.Pseudonym.Value != pseudonymOf(t, h, ana) || !strings.Contains(doc.Pseudonym.Explanation, "seudónimo") {
		t.Errorf("pseudonym = %+v, want Ana's, explained", doc.Pseudonym)
	}
	if doc.Conversation == nil || doc.Conversation.Consultation != reference {
		t.Errorf("conversation = %+v, want the reference consultation, where she is", doc.Conversation)
	}
	for _, other := range []string{"Lo que Bruno piensa", strconv.Itoa(rightsBruno), pseudonymOf(t, h, bruno), "citizen7710002"} {
		if bytes.Contains(m.Document.Data, []byte(other)) {
			t.Errorf("Ana's data contains Bruno's %q", other)
		}
	}

	entries := auditEntries(t, h, "mydata")
	if len(entries) != 1 {
		t.Fatalf("audit log has %d mydata entries, want 1", len(entries))
	}
	if e := entries[0]; e.Actor != 0 || strings.Contains(e.Detail, strconv.Itoa(rightsAna)) || strings.Contains(e.Detail, "cámaras") || !strings.Contains(e.Detail, "responses: 2") {
		t.Errorf("audit entry = %+v, want no one named, no content, the count of responses", e)
	}

	t.Run("in Portuguese", func(t *testing.T) {
		// Someone new is shown the privacy notice first: until they accept,
		// there is nothing to send.
		newcomer := h.newcomer(rightsCarla+1, "pt-BR")
		newcomer.send("/mydata")
		newcomer.sees("Antes de começar")
		carla := h.citizen(rightsCarla, "pt-BR")
		answerAs := func() {
			carla.send("/start " + reference)
			carla.tap("Começar", "Não", "7", "Rádio", "Confirmar", "Sul")
			carla.send("Mais legendas")
		}
		answerAs()
		doc, m := myData(t, carla, "parlabot-meus-dados.json")
		if want := "Estes são todos os dados que guardamos sobre você, com suas respostas a 1 consulta. Se quiser apagá-los, envie /forget."; m.Plain != want {
			t.Errorf("caption = %q, want %q", m.Plain, want)
		}
		if len(doc.Responses) != 1 || doc.Responses[0].Title != "Avalie a transmissão das sessões do Congresso" {
			t.Errorf("responses = %+v, want one, titled in Portuguese", doc.Responses)
		}
	})
}

func TestForget(t *testing.T) {
	h := newHarness(t)
	h.importAs(budget, "", "")
	ana, bruno := h.citizen(rightsAna, "es"), h.citizen(rightsBruno, "es")
	answerAs(ana, reference, "5 😄", "Comentario de Ana", true)
	answerAs(ana, budget, "5 😄", "Otro comentario de Ana", false)
	answerAs(bruno, reference, "2 🙁", "Comentario de Bruno", true)
	ana.send("/subscribe")
	pa, pb := pseudonymOf(t, h, ana), pseudonymOf(t, h, bruno)
	ctx := context.Background()
	if rep, _ := reportOf(t, h, reference); rep.Participation.Started != 2 {
		t.Fatalf("before: %d started, want 2", rep.Participation.Started)
	}

	ana.send("/forget")
	ana.sees("¿Quiere borrar todos sus datos?")
	ana.sees("Esto no se puede deshacer.")
	if got, want := ana.buttons(), []string{"Sí, borrar todo", "No, conservarlos"}; !slices.Equal(got, want) {
		t.Fatalf("buttons = %q, want %q", got, want)
	}
	ana.tap("No, conservarlos")
	ana.sees("De acuerdo, no borramos nada.")
	if got := participants(t, h, reference); !slices.Equal(got, []string{pa, pb}) {
		t.Fatalf("after No, the responses are from %v, want Ana's and Bruno's", got)
	}
	if c, err := h.store.Citizen(ctx, rightsAna); err != nil || !c.Subscribed {
		t.Fatalf("after No, Ana's record = %+v, %v; want it kept", c, err)
	}

	ana.send("/forget")
	ana.tap("Sí, borrar todo")
	ana.sees("Listo: borramos todos sus datos.")
	ana.sees("Puede volver cuando quiera")

	check := func(t *testing.T) {
		t.Helper()
		if got := participants(t, h, reference); !slices.Equal(got, []string{pb}) {
			t.Errorf("the reference's responses are from %v, want Bruno's alone", got)
		}
		if got := participants(t, h, budget); len(got) != 0 {
			t.Errorf("%s's responses are from %v, want none", budget, got)
		}
		rep, _ := reportOf(t, h, reference)
		if p := rep.Participation; p.Started != 1 || p.Completed != 1 {
			t.Errorf("report: %d started, %d completed; want Bruno alone", p.Started, p.Completed)
		}
		for _, q := range rep.Questions {
			if q.ID == "satisfaction" && (q.Summary == nil || q.N != 1 || q.Mean == nil || q.Mean.Value != 2) {
				t.Errorf("report on satisfaction = %+v, want Bruno's 2 alone", q.Summary)
			}
		}
		if rep, _ := reportOf(t, h, budget); rep.Participation.Started != 0 {
			t.Errorf("%s's report: %d started, want none", budget, rep.Participation.Started)
		}
		if n, _ := h.store.CountCompleted(ctx, reference); n != 1 {
			t.Errorf("completed = %d, want 1", n)
		}
		data := csvExport(t, h, reference)
		if rows := readCSV(t, "the CSV", data); len(rows) != 1 || rows[0]["participant"] != pb {
			t.Errorf("the CSV has %v, want Bruno's row alone", rows)
		}
		if bytes.Contains(data, []byte(pa)) || bytes.Contains(data, []byte("Ana")) {
			t.Error("the CSV still has Ana's pseudonym or comment")
		}
		if _, err := h.store.Citizen(ctx, rightsAna); consultations.ErrorCode(err) != consultations.ENOTFOUND {
			t.Errorf("Ana's record: %v, want none", err)
		}
		if rs, _ := h.store.ResponsesOf(ctx, pa); len(rs) != 0 {
			t.Errorf("Ana still has %d responses", len(rs))
		}
		err := h.store.EachSubscriber(ctx, func(s consultations.Subscriber) error {
			if s.UserID == rightsAna {
				t.Error("Ana is still a subscriber")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Run("at once", check)
	entries := auditEntries(t, h, "forget")
	if len(entries) != 1 {
		t.Fatalf("audit log has %d forget entries, want 1", len(entries))
	}
	e := entries[0]
	for _, secret := range []string{strconv.Itoa(rightsAna), pa, "Comentario", "citizen7710001"} {
		if e.Actor == rightsAna || strings.Contains(e.Detail+e.Target, secret) {
			t.Errorf("audit entry %+v names Ana or what she said (%q)", e, secret)
		}
	}
	if !strings.Contains(e.Detail, "responses deleted: 2") {
		t.Errorf("audit detail = %q, want the count of responses deleted", e.Detail)
	}

	// Nothing comes back after a restart: the tallies are counted again
	// from the file.
	h.restart()
	t.Run("after a restart", check)

	// She is welcome back, as anyone new: first the privacy notice.
	ana.send("/start")
	ana.sees("Antes de empezar: su privacidad")
}
