package sandbox

import (
	"testing"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

func TestAutoLinks(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"commands in help", "/start – ver\n/language – mudar", "<cmd>/start</cmd> – ver\n<cmd>/language</cmd> – mudar"},
		{"command after punctuation", "Envie /start, ou /help.", "Envie <cmd>/start</cmd>, ou <cmd>/help</cmd>."},
		{"a slash inside a word", "e/ou 1/2 a/b", "e/ou 1/2 a/b"},
		{"a closing tag typed as text", "hola &lt;b&gt;bot&lt;/b&gt;", "hola &lt;b&gt;bot&lt;/b&gt;"},
		{"link without the closing period", "Vea https://camara.cl/envivo.", `Vea <a href="https://camara.cl/envivo">https://camara.cl/envivo</a>.`},
		{"www link", "en www.camara.cl hoy", `en <a href="http://www.camara.cl">www.camara.cl</a> hoy`},
		{"e-mail", "Escriba a oficina@camara.cl", `Escriba a <a href="mailto:oficina@camara.cl">oficina@camara.cl</a>`},
		{"mention", "Hable con @parlabot_bot", "Hable con <mention>@parlabot_bot</mention>"},
		{"nothing inside code", "<code>/start</code> <pre>https://x.org</pre>", "<code>/start</code> <pre lang=\"\">https://x.org</pre>"},
		{"nothing inside a link", `<a href="https://x.org">/start</a>`, `<a href="https://x.org">/start</a>`},
		{"inside bold", "<b>Envie /start</b>", "<b>Envie <cmd>/start</cmd></b>"},
		{"after emoji, in UTF-16", "👍 /help", "👍 <cmd>/help</cmd>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, ents, err := telegramtest.ParseText(tt.html, "HTML")
			if err != nil {
				t.Fatal(err)
			}
			if got := markup(contentNodes(plain, autoLinks(plain, ents))); got != tt.want {
				t.Errorf("renders\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
