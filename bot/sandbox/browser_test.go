package sandbox_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/sandbox"
	"github.com/parlabot/parlabot/consultations"
)

// A citizen in Portuguese accepts the privacy notice and answers the
// reference consultation in the web chat, against the real bot, by typing
// and clicking as a person would.
func TestBrowserCitizenAnswersConsultation(t *testing.T) {
	needBrowser(t)
	started := time.Now()
	store, srv := startBot(t)
	web := httptest.NewServer(sandbox.New(srv, sandbox.Options{AdminID: 1, BotName: "parlabot"}))
	t.Cleanup(web.Close)
	t.Cleanup(srv.Close) // first: ends the page's event stream

	b := newBrowser(t)
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(web.URL+"/"))
	b.waitFor(`document.body.dataset.state === 'ready'`)
	b.catchErrors()

	// Switch the persona's app language to Portuguese, as from the header.
	b.choose("lang", "pt-BR")
	b.waitFor(`document.body.dataset.state === 'ready' && document.body.dataset.lang === 'pt-BR'`)
	b.do(chromedp.WaitVisible(chromedp.ID("start")))
	b.screenshot("phone-empty.png")

	// A new citizen reads the privacy notice first, with the policy as a
	// link, and accepting leads to the consultation the link named.
	b.do(chromedp.SendKeys(chromedp.ID("input"), "/start livestream-2026"+kb.Enter))
	b.waitText("Antes de começar: sua privacidade")
	b.waitText(privacyContact)
	b.waitFor(`[...document.querySelectorAll('#messages .text a')].some((a) => a.href === ` + strconv.Quote(privacyURL) + `)`)
	b.screenshot("phone-privacy.png")
	b.tap("✅ Aceito")
	b.waitText("Avalie a transmissão das sessões do Congresso")
	b.tap("Começar")
	b.waitText("Pergunta 1 de 6")
	b.tap("Sim")
	b.screenshot("phone-satisfaction.png")
	for _, label := range []string{"4 🙂", "9", "Site do Congresso", "Canal de TV"} {
		b.tap(label)
	}
	b.screenshot("phone-question.png")

	// A third channel is one too many: the bot's answer shows as a toast.
	b.click("Redes sociais")
	b.waitFor(`(t => !t.hidden && t.getAnimations().length === 0)(document.getElementById('toast'))`)
	b.screenshot("phone-toast.png")
	b.do(chromedp.EmulateViewport(1280, 800))
	b.screenshot("desktop-question.png")
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.tap("Confirmar")
	b.tap("Sul")

	// The comment carries markup, which must show as text and never run.
	comment := `Mais câmeras & <legendas> <img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
	b.do(chromedp.SendKeys(chromedp.ID("input"), comment+kb.Enter))
	b.waitText("Muito obrigado! Suas respostas foram salvas.")
	if left := run(b, chromedp.Evaluate[string](`document.getElementById('input').value`)); left != "" {
		t.Errorf("the text box holds %q after sending, want it empty", left)
	}
	b.waitText(`<script>document.title='pwned'</script>`)
	if pwned := run(b, chromedp.Evaluate[bool](`document.title === 'pwned' ||
		document.querySelector('#messages script, #messages img') !== null`)); pwned {
		t.Error("markup the citizen typed became elements of the page")
	}
	b.screenshot("phone-thanks.png")
	b.do(chromedp.EmulateViewport(1280, 800))
	b.screenshot("desktop-thanks.png")
	b.do(chromedp.Click(chromedp.ID("menu-btn")), chromedp.WaitVisible(chromedp.Search(`//button[@class="command"][contains(., "/language")]`)))
	b.screenshot("desktop-menu.png")
	b.do(chromedp.Click(chromedp.ID("menu-btn")))

	// The clerk persona is another chat; coming back reloads the citizen's.
	b.persona("clerk")
	b.waitFor(`document.body.dataset.state === 'ready' && document.body.dataset.user === '1' &&
		!document.getElementById('empty').hidden`)
	b.persona("citizen")
	b.waitFor(`document.body.dataset.state === 'ready' && document.body.dataset.user !== '1'`)
	b.waitText("Muito obrigado! Suas respostas foram salvas.")

	id, err := strconv.ParseInt(run(b, chromedp.Evaluate[string](`sessionStorage.getItem('parlabot.sandbox.citizen')`)), 10, 64)
	if err != nil {
		t.Fatalf("the tab's citizen id: %v", err)
	}
	ctx := context.Background()
	key, err := store.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.Response(ctx, "livestream-2026", consultations.Pseudonym(key, id))
	if err != nil {
		t.Fatalf("response of the tab's citizen %d: %v", id, err)
	}
	if !r.IsCompleted() || r.Language != "pt" || r.Answers["comment"].Text != comment || r.Answers["recommend"].Number != 9 {
		t.Errorf("stored response = %+v, want completed, in pt, with the comment as typed and 9", r)
	}
	b.checkErrors()
	t.Logf("answered the consultation in a browser in %v", time.Since(started).Round(time.Millisecond))
}

// The clerk imports a consultation file as in Telegram: the attach button,
// reached by keyboard, picks the file, which shows as their document, and
// the real bot answers that it imported it.
func TestBrowserClerkImportsConsultation(t *testing.T) {
	needBrowser(t)
	store, srv := startBot(t, adminID)
	web := httptest.NewServer(sandbox.New(srv, sandbox.Options{AdminID: adminID, BotName: "parlabot"}))
	t.Cleanup(web.Close)
	t.Cleanup(srv.Close) // first: ends the page's event stream
	file, err := filepath.Abs("../../consultations/demo/livestream-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(web.URL+"/"))
	b.waitFor(`document.body.dataset.state === 'ready'`)
	b.catchErrors()
	b.choose("lang", "es")
	b.waitFor(`document.body.dataset.state === 'ready' && document.body.dataset.lang === 'es'`)
	b.persona("clerk")
	b.waitFor(`document.body.dataset.state === 'ready' && document.body.dataset.user === '` + strconv.Itoa(adminID) + `'`)

	// The attach button comes after the text box in the tab order, named in
	// the persona's language.
	b.do(chromedp.Focus(chromedp.ID("input")), chromedp.KeyEvent(kb.Tab))
	if got := run(b, chromedp.Evaluate[string](`(e => e.id + ' ' + e.tagName + ': ' + e.getAttribute('aria-label'))(document.activeElement)`)); got != "attach BUTTON: Adjuntar archivo" {
		t.Errorf("after the text box, Tab reaches %q, want the attach button labelled Adjuntar archivo", got)
	}
	b.screenshot("phone-attach-focus.png")

	b.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
	b.waitFor(`[...document.querySelectorAll('#messages .msg.out a.doc')].some((a) => a.download === 'livestream-2026.yaml')`)
	b.waitFor(`[...document.querySelectorAll('#messages .msg.in')].some((m) => /Importada|Actualizada/.test(m.textContent))`)
	b.do(chromedp.Blur(chromedp.ID("attach")))
	b.screenshot("phone-import.png")

	c, err := store.Consultation(context.Background(), "livestream-2026")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Questions) != 6 {
		t.Errorf("stored consultation has %d questions, want the file's 6", len(c.Questions))
	}
	b.checkErrors()
}

// The page renders what a bot can send as Telegram shows it, and only as
// elements it creates itself: formatting, links, commands, photos,
// documents, link buttons and alerts.
func TestBrowserRendersMessages(t *testing.T) {
	needBrowser(t)
	e := newEnv(t)
	b := newBrowser(t)
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.web.URL+"/"))
	b.waitFor(`document.body.dataset.state === 'ready'`)
	b.catchErrors()
	id, err := strconv.ParseInt(run(b, chromedp.Evaluate[string](`document.body.dataset.user`)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}

	e.say(id, `<b>bold</b> <i>italic</i> <u>under</u> <s>strike</s> <code>code()</code> <tg-spoiler>secret</tg-spoiler> `+
		`<a href="https://example.org/">link</a> /help &lt;img src=x onerror="document.title='pwned'"&gt;
<blockquote>A quote from the clerk</blockquote><pre><code class="language-go">fmt.Println("hi")</code></pre>`,
		&models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Open site", URL: "https://example.org/"}, {Text: "Yes", CallbackData: "yes"}},
		}})
	ctx := e.ctx()
	if _, err := e.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: id, Caption: "Satisfacción por región",
		Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(gradientPNG())}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: id,
		Document: &models.InputFileUpload{Filename: "respuestas.csv", Data: strings.NewReader("a,b\n1,2\n")}}); err != nil {
		t.Fatal(err)
	}
	e.say(id, strings.Repeat("palabra ", 40)+"https://www.camara.cl/transmision/en-vivo/una-direccion-muy-larga-sin-espacios", nil)
	b.waitFor(`(img => img && img.complete && img.naturalWidth > 0)(document.querySelector('img.photo'))`)
	b.waitText("una-direccion-muy-larga")

	type page struct {
		Tags, Links, Commands, Buttons []string
		Document                       string
		Overflow                       bool
	}
	got := run(b, chromedp.Evaluate[page](`(() => {
		const all = (s) => [...document.querySelectorAll('#messages ' + s)];
		const chat = document.getElementById('chat');
		return {
			tags: all('.text *').map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')),
			links: all('.text a').map((a) => a.href),
			commands: all('.cmd').map((c) => c.textContent),
			buttons: all('.kb-btn').map((k) => k.tagName.toLowerCase() + ':' + k.textContent),
			document: (all('a.doc')[0] || {download: ''}).download,
			overflow: chat.scrollWidth > chat.clientWidth,
		};
	})()`))
	wantTags := []string{"strong", "em", "u", "s", "code", "span.spoiler", "a", "button.cmd", "blockquote", "pre", "code"}
	if !containsInOrder(got.Tags, wantTags) {
		t.Errorf("elements in the messages = %q, want %q among them and nothing else that runs", got.Tags, wantTags)
	}
	if slices.Contains(got.Tags, "img") || slices.Contains(got.Tags, "script") {
		t.Errorf("escaped markup became elements: %q", got.Tags)
	}
	if want := []string{"https://example.org/", "https://www.camara.cl/transmision/en-vivo/una-direccion-muy-larga-sin-espacios"}; !slices.Equal(got.Links, want) {
		t.Errorf("links = %q, want %q", got.Links, want)
	}
	if want := []string{"/help"}; !slices.Equal(got.Commands, want) {
		t.Errorf("tappable commands = %q, want %q", got.Commands, want)
	}
	if want := []string{"a:Open site", "button:Yes"}; !slices.Equal(got.Buttons, want) {
		t.Errorf("keyboard = %q, want %q", got.Buttons, want)
	}
	if got.Document != "respuestas.csv" {
		t.Errorf("document downloads as %q, want respuestas.csv", got.Document)
	}
	if got.Overflow {
		t.Error("the chat scrolls sideways at phone width")
	}
	b.screenshot("phone-formatting.png")

	// A tapped command is sent; a tap answered with show_alert opens a dialog.
	b.do(chromedp.Click(chromedp.CSS("#messages .cmd")))
	b.waitFor(`[...document.querySelectorAll('#messages .msg.out')].some((m) => m.textContent.includes('/help'))`)
	b.click("Yes")
	// The page posts the tap asynchronously: wait for it to arrive.
	var q *models.CallbackQuery
	for deadline := time.Now().Add(10 * time.Second); q == nil && time.Now().Before(deadline); {
		for _, u := range e.updates() {
			if u.CallbackQuery != nil {
				q = u.CallbackQuery
			}
		}
		if q == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if q == nil {
		t.Fatal("the tap on Yes sent no callback query")
	}
	if _, err := e.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "Esta consulta ya cerró.", ShowAlert: true}); err != nil {
		t.Fatal(err)
	}
	b.waitFor(`document.getElementById('alert').open && document.getElementById('alert-text').textContent === 'Esta consulta ya cerró.'`)
	b.do(chromedp.EmulateViewport(1280, 800))
	b.screenshot("desktop-alert.png")
	b.checkErrors()
}

// containsInOrder reports whether want is a subsequence of got.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// gradientPNG is a small colourful picture, as a chart the bot might send.
func gradientPNG() []byte {
	pic := image.NewRGBA(image.Rect(0, 0, 400, 240))
	for x := range 400 {
		for y := range 240 {
			pic.Set(x, y, color.RGBA{R: uint8(x / 2), G: uint8(y), B: 180, A: 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, pic)
	return buf.Bytes()
}
