package bot

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/xuri/excelize/v2"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
)

// Ids in these tests are long enough that finding one in an export's bytes
// cannot be chance.
const (
	exportAnalyst = 7400001
	exportClerk   = 7400002
	firstAnswerer = 7340915
)

// newExportHarness starts a bot with an admin, three citizens who answered
// the reference consultation in Spanish (the first two satisfied), and an
// analyst, granted in chat, whose app speaks Brazilian Portuguese.
func newExportHarness(t *testing.T) (h *harness, ana *citizen, people []*citizen) {
	t.Helper()
	h = newHarnessWithAdmins(t, admin)
	people = answerAll(t, h, firstAnswerer, 3, 2)
	boss := h.citizen(admin, "es")
	boss.send(fmt.Sprintf("/grant %d analyst", exportAnalyst))
	boss.sees("ahora es analista")
	return h, h.citizen(exportAnalyst, "pt-BR"), people
}

// waitExported waits until the export under way, if any, has sent all it
// sends.
func waitExported(t *testing.T, h *harness) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.bot.exports.busy.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the export is still running after 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// documents are the files the bot sent the citizen, by name (the latest
// of each name).
func documents(c *citizen) map[string]telegramtest.Message {
	out := map[string]telegramtest.Message{}
	for _, m := range c.Messages() {
		if m.FromBot && m.Document != nil {
			out[m.Document.Name] = m
		}
	}
	return out
}

// document is the file named name the bot sent the citizen.
func document(t *testing.T, c *citizen, name string) telegramtest.Message {
	t.Helper()
	m, ok := documents(c)[name]
	if !ok {
		var names []string
		for n := range documents(c) {
			names = append(names, n)
		}
		t.Fatalf("no document %q in the chat; there are %q; last message: %s", name, names, c.Last().Plain)
	}
	return m
}

// pseudonyms maps each citizen's pseudonym to the citizen.
func pseudonyms(t *testing.T, h *harness, people []*citizen) map[string]*citizen {
	t.Helper()
	key, err := h.store.Secret(context.Background(), consultations.PseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*citizen{}
	for _, p := range people {
		out[consultations.Pseudonym(key, p.ID())] = p
	}
	return out
}

// noIdentities fails if the export's bytes name any citizen by Telegram
// user id or username.
func noIdentities(t *testing.T, name string, data []byte, people []*citizen) {
	t.Helper()
	lower := bytes.ToLower(data)
	for _, p := range people {
		id := strconv.FormatInt(p.ID(), 10)
		if bytes.Contains(data, []byte(id)) {
			t.Errorf("%s contains the Telegram user id %s", name, id)
		}
		if username := strings.ToLower(p.Model().Username); username != "" && bytes.Contains(lower, []byte(username)) {
			t.Errorf("%s contains the username %s", name, username)
		}
	}
}

// readCSV parses a CSV export into records keyed by column name.
func readCSV(t *testing.T, name string, data []byte) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", name, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s is empty", name)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func TestExportInChat(t *testing.T) {
	h, ana, people := newExportHarness(t)
	if got := h.bot.exports.limit; got != 50<<20 {
		t.Errorf("document limit = %d, want Telegram's 50 MB by default", got)
	}
	byPseudonym := pseudonyms(t, h, people)
	comment := func(p *citizen) string {
		return fmt.Sprintf("Más cámaras en las comisiones %d", p.ID()-firstAnswerer)
	}

	if !slices.ContainsFunc(ana.Commands(), func(c models.BotCommand) bool { return c.Command == "export" }) {
		t.Errorf("analyst's menu = %v, want /export in it", ana.Commands())
	}

	t.Run("csv", func(t *testing.T) {
		ana.send("/export " + reference + " csv")
		ana.said("Preparando a exportação de Avalie a transmissão das sessões do Congresso em CSV…")
		waitExported(t, h)
		doc := document(t, ana, "livestream-2026.csv")
		if want := "Avalie a transmissão das sessões do Congresso · 3 respostas · pseudonimizadas"; doc.Plain != want {
			t.Errorf("caption = %q, want %q", doc.Plain, want)
		}
		rows := readCSV(t, "the CSV", doc.Document.Data)
		if len(rows) != len(people) {
			t.Fatalf("the CSV has %d responses, want %d", len(rows), len(people))
		}
		for _, row := range rows {
			p := byPseudonym[row["participant"]]
			if p == nil {
				t.Errorf("participant %q is nobody who answered", row["participant"])
				continue
			}
			if row["comment"] != comment(p) || row["watched"] != "yes" || row["region"] != "south" {
				t.Errorf("citizen %d's row = %v, want their answers", p.ID(), row)
			}
		}
		noIdentities(t, "the CSV", doc.Document.Data, people)

		book := document(t, ana, "livestream-2026-codebook.csv")
		found := false
		for _, row := range readCSV(t, "the codebook", book.Document.Data) {
			if row["question"] == "watched" && row["option"] == "" {
				found = true
				if want := "Você assistiu a alguma sessão de comissão transmitida ao vivo este ano?"; row["label"] != want {
					t.Errorf("codebook label of watched = %q, want the analyst's language: %q", row["label"], want)
				}
			}
		}
		if !found {
			t.Error("the codebook has no row for question watched")
		}
	})

	t.Run("jsonl", func(t *testing.T) {
		ana.send("/export " + reference + " jsonl")
		waitExported(t, h)
		doc := document(t, ana, "livestream-2026.jsonl")
		lines := strings.Split(strings.TrimSpace(string(doc.Document.Data)), "\n")
		if len(lines) != len(people) {
			t.Fatalf("the JSON Lines have %d lines, want %d", len(lines), len(people))
		}
		for _, line := range lines {
			var r struct {
				Participant string         `json:"participant"`
				Answers     map[string]any `json:"answers"`
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("line %s: %v", line, err)
			}
			p := byPseudonym[r.Participant]
			if p == nil {
				t.Errorf("participant %q is nobody who answered", r.Participant)
				continue
			}
			if r.Answers["comment"] != comment(p) || r.Answers["watched"] != "yes" {
				t.Errorf("citizen %d's answers = %v", p.ID(), r.Answers)
			}
		}
		noIdentities(t, "the JSON Lines", doc.Document.Data, people)
		book := document(t, ana, "livestream-2026-codebook.json")
		if !json.Valid(book.Document.Data) {
			t.Errorf("the JSON codebook is not JSON: %.200s", book.Document.Data)
		}
	})

	t.Run("xlsx", func(t *testing.T) {
		before := h.srv.CallCount("sendDocument")
		ana.send("/export " + reference + " xlsx long")
		waitExported(t, h)
		if n := h.srv.CallCount("sendDocument") - before; n != 1 {
			t.Errorf("%d documents sent, want the workbook alone (its codebook is a sheet)", n)
		}
		doc := document(t, ana, "livestream-2026.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(doc.Document.Data))
		if err != nil {
			t.Fatalf("the workbook does not open: %v", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		for _, want := range []string{"responses", "codebook"} {
			if !slices.Contains(sheets, want) {
				t.Errorf("sheets = %q, want %q among them", sheets, want)
			}
		}
		rows, err := f.GetRows("responses")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) <= len(people) { // long: a row per answer
			t.Errorf("the long layout has %d rows, want more than one per response", len(rows))
		}
		noIdentities(t, "the workbook", doc.Document.Data, people)
	})

	log, err := h.store.AuditLog(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		if e.Action == "export" && e.Actor == exportAnalyst && e.Allowed && e.Target == reference {
			got = append(got, e.Detail)
		}
	}
	slices.Sort(got)
	want := []string{"chat, csv, responses: 3", "chat, jsonl, responses: 3", "chat, xlsx, responses: 3"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log has exports %q, want %q", got, want)
	}
}

func TestExportWithButtons(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	answerAll(t, h, firstAnswerer, 1, 1)
	boss := h.citizen(admin, "es")

	boss.send("/export")
	boss.sees("¿Qué consulta quiere exportar?")
	boss.tap("Evalúe la transmisión de las sesiones del Congreso · livestream-2026")
	boss.sees("¿En qué formato quiere exportar Evalúe la transmisión de las sesiones del Congreso?")
	if got, want := boss.buttons(), []string{"CSV", "Excel (XLSX)", "JSON Lines"}; !slices.Equal(got, want) {
		t.Errorf("format buttons = %q, want %q", got, want)
	}
	boss.tap("JSON Lines")
	waitExported(t, h)
	prep := boss.Messages()
	for _, m := range prep {
		if strings.Contains(m.Plain, "Preparando la exportación") && len(m.Keyboard) > 0 {
			t.Errorf("the format buttons are still under %q", m.Plain)
		}
	}
	doc := document(t, boss, "livestream-2026.jsonl")
	if want := "Evalúe la transmisión de las sesiones del Congreso · 1 respuesta · seudonimizada"; doc.Plain != want {
		t.Errorf("caption = %q, want %q", doc.Plain, want)
	}
	document(t, boss, "livestream-2026-codebook.json")

	// With the slug alone, the format buttons come at once.
	boss.send("/export " + reference)
	boss.sees("¿En qué formato quiere exportar")
	boss.tap("CSV")
	waitExported(t, h)
	document(t, boss, "livestream-2026.csv")
}

func TestExportMistakesAndRefusals(t *testing.T) {
	h, ana, _ := newExportHarness(t)
	boss := h.citizen(admin, "es")

	boss.send("/export nope csv")
	boss.sees("No encontré la consulta «nope». Escriba /export para elegirla de una lista, o /export <slug> csv (o xlsx, o jsonl).")
	for _, args := range []string{"pdf", "csv sideways", "csv wide extra"} {
		boss.send("/export " + reference + " " + args)
		boss.sees("Escriba el formato después de la consulta: /export livestream-2026 csv, xlsx o jsonl.")
	}
	ana.send("/export " + reference + " pdf")
	ana.sees("Escreva o formato depois da consulta: /export livestream-2026 csv, xlsx ou jsonl.")

	// One export at a time.
	h.bot.exports.busy.Store(true)
	ana.send("/export " + reference + " csv")
	ana.sees("Já estou preparando uma exportação.")
	h.bot.exports.busy.Store(false)
	if n := h.srv.CallCount("sendDocument"); n != 0 {
		t.Errorf("%d documents sent after mistakes", n)
	}

	// Clerks see results but do not export; citizens neither.
	boss.send(fmt.Sprintf("/grant %d clerk", exportClerk))
	clerk := h.citizen(exportClerk, "es")
	if slices.ContainsFunc(clerk.Commands(), func(c models.BotCommand) bool { return c.Command == "export" }) {
		t.Errorf("clerk's menu = %v, want no /export", clerk.Commands())
	}
	clerk.send("/export " + reference + " csv")
	clerk.sees("este comando es para el personal del parlamento")
	someone := h.citizen(7400003, "es")
	someone.send("/export " + reference + " csv")
	someone.sees("este comando es para el personal del parlamento")
	waitExported(t, h)
	if n := h.srv.CallCount("sendDocument"); n != 0 {
		t.Errorf("%d documents sent to people who may not export", n)
	}
	log, err := h.store.AuditLog(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	refused := map[int64]bool{}
	for _, e := range log {
		if e.Action == "refused" && e.Target == "/export" && !e.Allowed {
			refused[e.Actor] = true
		}
	}
	if !refused[exportClerk] || !refused[7400003] {
		t.Errorf("refusals in the audit log: %v, want the clerk's and the citizen's", refused)
	}
}

// addResponses stores n completed responses with long, repetitive
// comments: an export that compresses well.
func addResponses(t *testing.T, h *harness, n int) {
	t.Helper()
	start := h.clock.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &consultations.Response{
				Consultation: reference, Participant: fmt.Sprintf("bulk%05d", i), Language: "es",
				Started: start, Completed: start.Add(time.Minute), Updated: start.Add(time.Minute),
				Answers: map[string]consultations.Answer{
					"watched": {Choices: []string{"no"}}, "recommend": {Number: 7},
					"channels": {Choices: []string{"tv"}}, "region": {Choices: []string{"north"}},
					"comment": {Text: strings.Repeat("Que transmitan también las sesiones de sala. ", 8)},
				},
			}
			errs <- h.store.Commit(context.Background(), consultations.Change{Response: r})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("store a response: %v", err)
		}
	}
}

func TestExportOverTheLimit(t *testing.T) {
	h := newHarnessWithAdmins(t, admin)
	addResponses(t, h, 300) // about 120 KB of CSV
	boss := h.citizen(admin, "es")

	// Over the limit, the export goes zipped, its codebook inside.
	h.configure = func(c *Config) { c.MaxDocumentBytes = 48 << 10 }
	h.restart()
	boss.send("/export " + reference + " csv")
	waitExported(t, h)
	if _, ok := documents(boss)["livestream-2026.csv"]; ok {
		t.Fatal("the CSV was sent unzipped")
	}
	doc := document(t, boss, "livestream-2026.csv.zip")
	if int64(len(doc.Document.Data)) > 48<<10 {
		t.Errorf("the zip is %d bytes, over the limit", len(doc.Document.Data))
	}
	for _, want := range []string{"300 respuestas · seudonimizadas", "Va comprimido en .zip, con el libro de códigos adentro, porque superaba los 48\u00a0KB"} {
		if !strings.Contains(doc.Plain, want) {
			t.Errorf("caption = %q, want %q in it", doc.Plain, want)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(doc.Document.Data), int64(len(doc.Document.Data)))
	if err != nil {
		t.Fatalf("the zip does not open: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s from the zip: %v", f.Name, err)
		}
	}
	if rows := readCSV(t, "the zipped CSV", files["livestream-2026.csv"]); len(rows) != 300 {
		t.Errorf("the zipped CSV has %d responses, want 300", len(rows))
	}
	if len(files["livestream-2026-codebook.csv"]) == 0 {
		t.Errorf("the zip holds %d files and no codebook", len(files))
	}
	if _, ok := documents(boss)["livestream-2026-codebook.csv"]; ok {
		t.Error("the codebook was sent beside the zip as well")
	}

	// Still over it zipped, nothing is sent: the clerk gets the command line.
	h.configure = func(c *Config) { c.MaxDocumentBytes = 1 << 10 }
	h.restart()
	before := h.srv.CallCount("sendDocument")
	boss.send("/export " + reference + " jsonl")
	waitExported(t, h)
	boss.sees("aun comprimida, más de los 1\u00a0KB que Telegram permite enviar")
	boss.sees("parlabot export --consultation livestream-2026 --format jsonl --out livestream-2026.jsonl")
	if n := h.srv.CallCount("sendDocument") - before; n != 0 {
		t.Errorf("%d documents sent over the limit", n)
	}

	log, err := h.store.AuditLog(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var exports []string
	for _, e := range log {
		if e.Action == "export" {
			exports = append(exports, e.Detail)
		}
	}
	if want := []string{"chat, csv, responses: 300"}; !slices.Equal(exports, want) {
		t.Errorf("exports in the audit log: %q, want only the one sent: %q", exports, want)
	}
}

// Stopping the bot stops an export under way, tells its staff member, and
// waits for it before the database closes.
func TestExportStopsWithTheBot(t *testing.T) {
	h, ana, _ := newExportHarness(t)
	h.srv.Fail("sendDocument", 100, 502, 0) // Telegram is down: the upload is retried
	ana.send("/export " + reference + " csv")
	time.Sleep(50 * time.Millisecond)
	h.stop()
	if h.bot.exports.busy.Load() {
		t.Fatal("the bot stopped with an export still running")
	}
	ana.sees("A exportação foi interrompida porque o bot está reiniciando.")
	if _, ok := documents(ana)["livestream-2026.csv"]; ok {
		t.Error("the export arrived through a failing Telegram")
	}
}
