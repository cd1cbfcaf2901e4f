package sandbox

import (
	"encoding/json"
	"html"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// markup renders nodes the way the page's renderNodes builds the DOM: known
// node types become fixed elements, every text is a text node (escaped here).
func markup(nodes []*node) string {
	var b strings.Builder
	for _, n := range nodes {
		switch n.Type {
		case "text":
			b.WriteString(html.EscapeString(n.Text))
		case "a":
			b.WriteString(`<a href="` + html.EscapeString(n.Href) + `">` + markup(n.Children) + "</a>")
		case "pre":
			b.WriteString(`<pre lang="` + html.EscapeString(n.Lang) + `">` + markup(n.Children) + "</pre>")
		default:
			b.WriteString("<" + n.Type + ">" + markup(n.Children) + "</" + n.Type + ">")
		}
	}
	return b.String()
}

func TestContentNodes(t *testing.T) {
	tests := []struct {
		name, text, parseMode, want string
	}{
		{"plain", "Hola", "", "Hola"},
		{"bold and italic", "<b>Pregunta</b> 1 de <i>6</i>", "HTML", "<b>Pregunta</b> 1 de <i>6</i>"},
		{"nested", "<b>a <i>b</i> c</b>", "HTML", "<b>a <i>b</i> c</b>"},
		{"every tag Telegram has", "<u>u</u><s>s</s><code>c</code><tg-spoiler>x</tg-spoiler><blockquote>q</blockquote>", "HTML",
			"<u>u</u><s>s</s><code>c</code><spoiler>x</spoiler><blockquote>q</blockquote>"},
		{"pre with language", `<pre><code class="language-go">x := 1</code></pre>`, "HTML", `<pre lang="go">x := 1</pre>`},
		{"link", `Vea <a href="https://camara.cl/envivo">la sesión</a>`, "HTML", `Vea <a href="https://camara.cl/envivo">la sesión</a>`},
		{"offsets after emoji are UTF-16", "🙂🙂 <b>ok</b> 👍🏽 <i>sí</i>", "HTML", "🙂🙂 <b>ok</b> 👍🏽 <i>sí</i>"},
		{"escaped markup stays text", "&lt;b&gt;no&lt;/b&gt; &amp; <b>&lt;sí&gt;</b>", "HTML", "&lt;b&gt;no&lt;/b&gt; &amp; <b>&lt;sí&gt;</b>"},
		{"MarkdownV2", `*negrita* _cursiva_ \#1`, "MarkdownV2", "<b>negrita</b> <i>cursiva</i> #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, ents, err := telegramtest.ParseText(tt.text, tt.parseMode)
			if err != nil {
				t.Fatal(err)
			}
			if got := markup(contentNodes(plain, ents)); got != tt.want {
				t.Errorf("contentNodes(%q) renders\n%s\nwant\n%s", tt.text, got, tt.want)
			}
		})
	}
}

// A citizen's or a bot's text is data, never markup: it reaches the page
// only inside text nodes, and links only with safe schemes.
func TestContentNodesAreInert(t *testing.T) {
	attack := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	tests := []struct {
		name     string
		plain    string
		entities []models.MessageEntity
		want     string
	}{
		{"citizen's text with tags", attack, nil,
			"&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"},
		{"tags inside bold", "a" + attack, []models.MessageEntity{{Type: "bold", Offset: 0, Length: 9}},
			"<b>a&lt;script&gt;</b>alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"},
		{"javascript link loses the link", "click", []models.MessageEntity{{Type: "text_link", Offset: 0, Length: 5, URL: "javascript:alert(1)"}},
			"click"},
		{"data link loses the link", "click", []models.MessageEntity{{Type: "text_link", Offset: 0, Length: 5, URL: "data:text/html,<script>alert(1)</script>"}},
			"click"},
		{"quote in a link target is escaped", "x", []models.MessageEntity{{Type: "text_link", Offset: 0, Length: 1, URL: `https://a.example/"onmouseover="alert(1)`}},
			`<a href="https://a.example/%22onmouseover=%22alert%281%29">x</a>`},
		{"unknown entity keeps its text", "x", []models.MessageEntity{{Type: "custom_emoji", Offset: 0, Length: 1}}, "x"},
		{"entity past the end is clipped", "abc", []models.MessageEntity{{Type: "bold", Offset: 1, Length: 99}, {Type: "italic", Offset: 7, Length: 2}},
			"a<b>bc</b>"},
		{"crossing entities are split", "abcd", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 2, Length: 2}},
			"<b>ab<i>c</i></b><i>d</i>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := contentNodes(tt.plain, tt.entities)
			if got := markup(nodes); got != tt.want {
				t.Errorf("renders\n%s\nwant\n%s", got, tt.want)
			}
			data, _ := json.Marshal(nodes)
			var generic []map[string]any
			json.Unmarshal(data, &generic)
			checkTypes(t, generic)
		})
	}
}

// checkTypes fails on a node type the page does not map to a fixed element.
func checkTypes(t *testing.T, nodes []map[string]any) {
	t.Helper()
	known := map[string]bool{"text": true, "b": true, "i": true, "u": true, "s": true, "code": true, "pre": true,
		"a": true, "blockquote": true, "spoiler": true, "cmd": true, "mention": true}
	for _, n := range nodes {
		if typ, _ := n["t"].(string); !known[typ] {
			t.Errorf("node type %q is not one the page renders", typ)
		}
		if kids, ok := n["c"].([]any); ok {
			var sub []map[string]any
			for _, k := range kids {
				sub = append(sub, k.(map[string]any))
			}
			checkTypes(t, sub)
		}
	}
}

func TestSafeURL(t *testing.T) {
	tests := map[string]string{
		"https://camara.cl/x?a=1":  "https://camara.cl/x?a=1",
		"HTTP://camara.cl":         "http://camara.cl",
		"tg://resolve?domain=x":    "tg://resolve?domain=x",
		"mailto:oficina@camara.cl": "mailto:oficina@camara.cl",
		"javascript:alert(1)":      "",
		" JavaScript:alert(1)":     "",
		"vbscript:x":               "",
		"data:text/html,x":         "",
		"/relative":                "",
		"//evil.example":           "",
		"https:///nohost":          "",
	}
	for in, want := range tests {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}
