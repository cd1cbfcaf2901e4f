package bot

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// The deployment's privacy settings in these tests.
const (
	testPrivacyContact = "Oficina de Transparencia, privacidad@congreso.example"
	testPrivacyURL     = "https://congreso.example/privacidad"
)

// newPrivacyHarness is the usual harness with the privacy notice's contact
// and policy link set, and the admins given.
func newPrivacyHarness(t *testing.T, admins ...int64) *harness {
	t.Helper()
	h := &harness{
		admins: admins,
		t:      t,
		srv:    telegramtest.New(),
		path:   filepath.Join(t.TempDir(), "parlabot.db"),
		clock:  &clock{t: time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)},
		configure: func(cfg *Config) {
			cfg.PrivacyContact, cfg.PrivacyURL = testPrivacyContact, testPrivacyURL
		},
	}
	t.Cleanup(func() {
		h.stop()
		h.srv.Close()
	})
	h.open()
	h.importFile("testdata/livestream-2026.yaml")
	h.start()
	return h
}

// keptNothing fails unless the store holds nothing about the citizen: no
// record (so no username, language, session or subscription) and no
// response.
func (c *citizen) keptNothing(after string) {
	c.h.t.Helper()
	ctx := context.Background()
	if got, err := c.h.store.Citizen(ctx, c.ID()); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		c.h.t.Fatalf("after %s: stored citizen %+v (err %v), want nothing", after, got, err)
	}
	if _, err := c.h.store.CitizenByUsername(ctx, c.Model().Username); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		c.h.t.Fatalf("after %s: the username %s is stored (err %v), want nothing", after, c.Model().Username, err)
	}
	if r := c.responseOrNil(); r != nil {
		c.h.t.Fatalf("after %s: stored response %+v, want none", after, r)
	}
	err := c.h.store.EachSubscriber(ctx, func(s consultations.Subscriber) error {
		if s.UserID == c.ID() {
			c.h.t.Errorf("after %s: citizen %d is a subscriber", after, c.ID())
		}
		return nil
	})
	if err != nil {
		c.h.t.Fatal(err)
	}
}

// seesNotice fails unless the bot's latest message is the privacy notice
// asking, in the language with the heading, Accept first.
func (c *citizen) seesNotice(heading, accept string) {
	c.h.t.Helper()
	c.sees(heading)
	if kb := c.Last().Keyboard; len(kb) == 0 || kb[0][0].Text != accept {
		c.h.t.Fatalf("notice buttons = %q, want %q first", c.buttons(), accept)
	}
}

// A newcomer whose app speaks Brazilian Portuguese gets the notice in
// Portuguese, whatever they send first: what is kept, why, who sees it,
// for how long, their rights, who is responsible and the full policy.
func TestNewcomerSeesPrivacyNotice(t *testing.T) {
	h := newPrivacyHarness(t)
	ana := h.newcomer(3001, "pt-BR")
	ana.send("/start")
	for _, want := range []string{
		"Antes de começar: sua privacidade",
		"suas respostas, sob um pseudônimo", "Nunca guardamos seu nome",
		"publicar resultados gerais", "a equipe do parlamento, só resultados gerais",
		"até você apagá-los com /forget", "/mydata", "/privacy",
		"Responsável: " + testPrivacyContact,
		"Política completa: " + testPrivacyURL,
		"Você aceita?",
	} {
		ana.sees(want)
	}
	if got, want := ana.buttons(), []string{"✅ Aceito", "Não aceito", "Español", "English", "Français"}; !slices.Equal(got, want) {
		t.Errorf("buttons = %q, want %q", got, want)
	}
	if n := len([]rune(ana.Last().Plain)); n > 1000 {
		t.Errorf("the notice is %d characters; keep it short enough to read on a phone", n)
	}
	ana.keptNothing("/start")
}

// Every language's notice is valid Telegram HTML and short, with the
// deployment's settings escaped, and reads whole without them.
func TestPrivacyNoticeInEveryLanguage(t *testing.T) {
	msgs, err := i18n.New("es")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, contact, url string }{
		{"with contact and policy", "Oficina de Transparencia & Acceso <dpo@congreso.example>", "https://congreso.example/privacidad?a=1&b=2"},
		{"without them", "", ""},
	} {
		b := &Bot{msg: msgs, privacyContact: tt.contact, privacyURL: tt.url}
		for _, lang := range i18n.Languages {
			for _, asking := range []bool{true, false} {
				s := b.privacyScreen(lang, slugKey(reference), asking)
				plain, _, err := telegramtest.ParseText(s.text, string(models.ParseModeHTML))
				if err != nil {
					t.Fatalf("%s %s: not valid Telegram HTML: %v\n%s", tt.name, lang, err, s.text)
				}
				if tt.contact != "" && (!strings.Contains(plain, tt.contact) || !strings.Contains(plain, tt.url)) {
					t.Errorf("%s %s: notice lacks the contact or the link:\n%s", tt.name, lang, plain)
				}
				heading, _, _ := strings.Cut(msgs.T(lang, "privacy_contact", map[string]any{"Contact": ""}), ":")
				if tt.contact == "" && strings.Contains(s.text, heading) {
					t.Errorf("%s %s: a line is left without its value:\n%s", tt.name, lang, plain)
				}
				if n := len([]rune(plain)); n > 1000 {
					t.Errorf("%s %s: %d characters, too long to read on a phone", tt.name, lang, n)
				}
				if asking != (s.kb != nil) {
					t.Errorf("%s %s: asking %v, buttons %v", tt.name, lang, asking, s.kb)
				}
				if s.kb == nil {
					continue
				}
				for _, row := range s.kb.InlineKeyboard {
					for _, bt := range row {
						if len(bt.CallbackData) > maxCallbackData {
							t.Errorf("%s %s: button %q has %d bytes of data", tt.name, lang, bt.Text, len(bt.CallbackData))
						}
						if _, ok := decodeCallback(bt.CallbackData); !ok {
							t.Errorf("%s %s: button %q data %q does not decode", tt.name, lang, bt.Text, bt.CallbackData)
						}
					}
				}
			}
		}
	}
}

// Before accepting, nothing a citizen does stores anything about them:
// each gets the notice again, and a Decline gets a kind goodbye.
func TestNothingStoredBeforeConsent(t *testing.T) {
	h := newPrivacyHarness(t)
	pedro := h.newcomer(3002, "es-419")
	const heading, accept = "Antes de empezar: su privacidad", "✅ Acepto"
	pedro.send("/start")
	pedro.seesNotice(heading, accept)
	notice := pedro.Last().ID
	steps := []struct {
		name string
		do   func()
	}{
		{"a consultation link", func() { pedro.send("/start " + reference) }},
		{"some text", func() { pedro.send("Hola, quiero opinar") }},
		{"/subscribe", func() { pedro.send("/subscribe") }},
		{"/help", func() { pedro.send("/help") }},
		{"a consultation's button", func() { pedro.tapData(notice, encodeCallback(actOpen, slugKey(reference))) }},
		{"its start button", func() { pedro.tapData(notice, encodeCallback(actBegin, slugKey(reference))) }},
		{"an answer's button", func() { pedro.tapData(notice, encodeCallback(actAnswer, "watched", "0")) }},
		{"/privacy", func() { pedro.send("/privacy") }},
	}
	for _, s := range steps {
		s.do()
		pedro.seesNotice(heading, accept)
		pedro.keptNothing(s.name)
	}
	pedro.tap("No acepto")
	pedro.sees("Entendido: no guardamos nada sobre usted")
	pedro.sees("/start")
	pedro.keptNothing("Decline")
	if kb := pedro.message(pedro.Last().ID - 1).Keyboard; len(kb) != 0 {
		t.Errorf("the declined notice still has buttons %v", kb)
	}
	pedro.send("/start")
	pedro.seesNotice(heading, accept) // they can come back any time
}

// Choosing a language before accepting stores the language and nothing
// else; declining afterwards deletes even that.
func TestLanguageChoiceIsAllThatIsKept(t *testing.T) {
	h := newPrivacyHarness(t)
	kim := h.newcomer(3003, "de-DE") // a language parlabot doesn't speak: the default, es
	kim.send("/start")
	kim.seesNotice("Antes de empezar: su privacidad", "✅ Acepto")
	notice := kim.Last().ID
	kim.tap("Português")
	if got := kim.message(notice).Plain; !strings.Contains(got, "Antes de começar: sua privacidade") {
		t.Fatalf("the notice after choosing Português:\n%s\nwant it in Portuguese, in place", got)
	}
	if got, want := kim.buttons(), []string{"✅ Aceito", "Não aceito", "Español", "English", "Français"}; !slices.Equal(got, want) {
		t.Errorf("buttons = %q, want %q", got, want)
	}
	onlyLanguage := func(lang string) {
		t.Helper()
		got := h.citizenRecord(kim.ID())
		if want := (&consultations.Citizen{UserID: kim.ID(), Language: lang, LanguageChosen: true}); !reflect.DeepEqual(got, want) {
			t.Fatalf("stored %+v, want only the language %s", got, lang)
		}
	}
	onlyLanguage("pt")

	kim.send("/language") // open before accepting too
	kim.tap("English")
	kim.said("I'll write to you in English")
	kim.seesNotice("Before we start: your privacy", "✅ I accept")
	onlyLanguage("en")

	kim.send("Hello?")
	kim.seesNotice("Before we start: your privacy", "✅ I accept") // the stored language is used
	onlyLanguage("en")

	kim.tap("I don't accept")
	kim.sees("we have kept nothing about you")
	kim.keptNothing("Decline")
}

// A newcomer who comes by a consultation's link lands, once they accept,
// on that consultation's intro, and answers it; the consent is recorded
// with its time.
func TestAcceptFromDeepLink(t *testing.T) {
	h := newPrivacyHarness(t)
	ana := h.newcomer(3004, "pt-BR")
	ana.send("/start " + reference)
	ana.seesNotice("Antes de começar: sua privacidade", "✅ Aceito")
	ana.keptNothing("a consultation link")
	notice := ana.Last().ID

	ana.tap("English") // the link survives a change of language
	ana.tap("✅ I accept")
	ana.sees("Rate the livestreaming of Congress sessions")
	if got := ana.Last().Keyboard[0][0].Text; got != "Start" {
		t.Fatalf("first button of the intro = %q, want Start", got)
	}
	if kb := ana.message(notice).Keyboard; len(kb) != 0 {
		t.Errorf("the accepted notice still has buttons %v", kb)
	}
	c := h.citizenRecord(ana.ID())
	if !c.Consented.Equal(h.clock.Now()) || !c.Created.Equal(h.clock.Now()) {
		t.Errorf("consented %v, created %v; want both %v", c.Consented, c.Created, h.clock.Now())
	}
	if c.Language != "en" || c.Username != ana.Model().Username {
		t.Errorf("stored %+v, want language en and the username, now that they accepted", c)
	}

	ana.tap("Start", "Yes", "4 🙂", "9", "Congress website", "Confirm", "South")
	ana.send("Mais câmeras")
	ana.said("1 person has answered so far.")
	if r := ana.response(); !r.IsCompleted() {
		t.Errorf("response %+v, want it completed", r)
	}
	ana.send("/start") // accepted once, for good
	ana.sees("Hello! I'm parlabot.")
}

// Without a link, accepting leads to the welcome and the question about
// news of new consultations; a second tap on an old Accept does nothing.
func TestAcceptWithoutLink(t *testing.T) {
	h := newPrivacyHarness(t)
	luis := h.newcomer(3005, "es")
	luis.send("/start")
	notice := luis.Last().ID
	luis.tap("✅ Acepto")
	luis.said("¡Hola! Soy parlabot.")
	luis.sees("¿Quiere que le avise")
	n := len(luis.Messages())
	luis.tapData(notice, encodeCallback(actAccept, noLink))
	if got := len(luis.Messages()); got != n {
		t.Errorf("a second Accept added %d messages, want none", got-n)
	}
	luis.tap("Sí, avíseme")
	if c := h.citizenRecord(luis.ID()); !c.Subscribed || !c.HasConsented() {
		t.Errorf("stored %+v, want subscribed and consented", c)
	}
}

// A citizen stored before notices existed (a subscriber, say) sees the
// notice on their next tap, and accepting leads where the tap pointed.
func TestCitizenFromBeforeNotices(t *testing.T) {
	h := newPrivacyHarness(t)
	old := &consultations.Citizen{UserID: 3006, ChatID: 3006, Language: "es", Subscribed: true, SubscribeAsked: true, Created: h.clock.Now()}
	if err := h.store.Commit(context.Background(), consultations.Change{Citizen: old}); err != nil {
		t.Fatal(err)
	}
	rosa := h.newcomer(3006, "es")
	rosa.send("/help")
	rosa.seesNotice("Antes de empezar: su privacidad", "✅ Acepto")
	rosa.tapData(rosa.Last().ID, encodeCallback(actOpen, slugKey(reference))) // an invitation's button
	rosa.seesNotice("Antes de empezar: su privacidad", "✅ Acepto")
	if got := h.citizenRecord(3006); !reflect.DeepEqual(got, old) {
		t.Errorf("stored %+v, want the old record untouched %+v", got, old)
	}
	rosa.tap("✅ Acepto")
	rosa.sees("Evalúe la transmisión de las sesiones del Congreso")
	if c := h.citizenRecord(3006); !c.HasConsented() || !c.Subscribed {
		t.Errorf("stored %+v, want consented and still subscribed", c)
	}
}

// /privacy shows the notice again at any time, without the buttons once
// accepted, and is in the citizens' menu in every language.
func TestPrivacyCommand(t *testing.T) {
	h := newPrivacyHarness(t)
	eva := h.citizen(3007, "fr-CA")
	eva.send("/privacy")
	eva.sees("Avant de commencer : votre vie privée")
	eva.sees("Responsable : " + testPrivacyContact)
	eva.sees("Vous avez déjà accepté cet avis.")
	if len(eva.Last().Keyboard) != 0 {
		t.Errorf("an accepted notice has buttons %q", eva.buttons())
	}
	for _, code := range []string{"es", "pt-BR", "en", "fr", "de"} {
		eva.SetLanguage(code)
		lang := h.bot.msg.Lang(code)
		want := models.BotCommand{Command: "privacy", Description: h.bot.msg.T(lang, "command_privacy", nil)}
		if menu := eva.Commands(); !slices.Contains(menu, want) {
			t.Errorf("menu in %s = %v, want %v in it", code, menu, want)
		}
	}
}

// An admin who never accepted the notice uses staff commands as ever; as a
// citizen, they go through the notice like anyone.
func TestStaffCommandsBeforeConsent(t *testing.T) {
	h := newPrivacyHarness(t, admin)
	boss := h.newcomer(admin, "es")
	boss.send("/consultations")
	boss.sees("livestream-2026 · abierta")
	boss.send("/grant 3008 analyst")
	boss.sees("ahora es analista")
	boss.send("/results " + reference)
	boss.said("📊")
	boss.send("/new")
	boss.sees("¿Qué compromiso mide esta consulta?")
	boss.tap("➕ Nuevo compromiso")
	boss.sees("Escriba el título del compromiso")
	boss.send("Audiencias públicas en las regiones")
	boss.sees("¿A qué pilar")
	boss.send("/cancel")
	boss.sees("Listo, descarté la consulta nueva.")

	boss.send("/start " + reference)
	boss.seesNotice("Antes de empezar: su privacidad", "✅ Acepto")
	if c := h.citizenRecord(admin); c.HasConsented() || c.Session != nil {
		t.Errorf("admin's record %+v: want no consent and no session", c)
	}
	boss.tap("✅ Acepto")
	boss.sees("Evalúe la transmisión de las sesiones del Congreso")
}

// commit refuses to store anything about a citizen who hasn't accepted,
// should a handler ever get past the gate.
func TestCommitRefusedBeforeConsent(t *testing.T) {
	h := newHarness(t)
	h.citizen(3010, "es").send("/help") // the bot is up
	tu := &turn{update: &models.Update{ID: 99}, citizen: &consultations.Citizen{UserID: 3009, Username: "x"}, isNew: true}
	if err := h.bot.commit(context.Background(), tu, nil); err == nil {
		t.Fatal("commit of a citizen who has not accepted succeeded")
	}
	if _, err := h.store.Citizen(context.Background(), 3009); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("citizen stored (err %v)", err)
	}
}
