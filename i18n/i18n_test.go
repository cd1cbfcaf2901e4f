package i18n

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

func newBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := New("es")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// loadFile parses one language's message files on their own, so a message
// missing in it is not hidden by the fallback to another language.
func loadFile(t *testing.T, lang string) map[string]*goi18n.Message {
	t.Helper()
	paths, err := fs.Glob(files, "messages/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*goi18n.Message{}
	for _, p := range paths {
		if fileLanguage(p) != lang {
			continue
		}
		data, err := fs.ReadFile(files, p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		b := goi18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
		mf, err := b.ParseMessageFileBytes(data, p)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		for _, m := range mf.Messages {
			if _, dup := out[m.ID]; dup {
				t.Errorf("%s: message %q is defined twice for %s", p, m.ID, lang)
			}
			out[m.ID] = m
		}
	}
	if len(out) == 0 {
		t.Fatalf("no messages for %s", lang)
	}
	return out
}

func TestEveryLanguageHasEveryMessage(t *testing.T) {
	en := loadFile(t, "en")
	if len(en) < 20 {
		t.Fatalf("en has %d messages; the file did not load as expected", len(en))
	}
	for _, lang := range Languages {
		msgs := loadFile(t, lang)
		for id := range en {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s: message %q is missing", lang, id)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: message %q is not in en.yaml (a typo, or add it to every language)", lang, id)
			}
		}
	}
}

// pluralSamples cover every CLDR plural category of es, pt, en and fr:
// one (0, 1), many (1,000,000) and other.
var pluralSamples = []int{0, 1, 2, 5, 21, 1000, 1000000, 2000000}

func TestPluralFormsFollowCLDR(t *testing.T) {
	en := loadFile(t, "en")
	for _, lang := range Languages {
		msgs := loadFile(t, lang)
		b := goi18n.NewBundle(language.Make(lang))
		for _, m := range msgs {
			b.MustAddMessages(language.Make(lang), m)
		}
		loc := goi18n.NewLocalizer(b, lang)
		for id, m := range en {
			plural := m.One != "" || m.Few != "" || m.Many != ""
			if !plural {
				continue
			}
			for _, n := range pluralSamples {
				_, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n}})
				if err != nil {
					t.Errorf("%s: %s has no plural form for %d: %v", lang, id, n, err)
				}
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ code, want string }{
		{"pt-BR", "pt"}, {"pt-PT", "pt"}, {"pt", "pt"}, {"es-419", "es"}, {"es", "es"},
		{"en-US", "en"}, {"fr-CA", "fr"}, {"PT-br", "pt"}, {"de", ""}, {"", ""}, {"zh-hans", ""},
	}
	for _, tt := range tests {
		if got := Match(tt.code); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestLangFallsBackToDefault(t *testing.T) {
	b, err := New("pt")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Lang("de-DE"); got != "pt" {
		t.Errorf("Lang(de-DE) = %q, want the default pt", got)
	}
	if _, err := New("de"); err == nil {
		t.Error("New(de) succeeded, want an error naming the supported languages")
	}
}

func TestTexts(t *testing.T) {
	b := newBundle(t)
	tests := []struct {
		name, lang, got, want string
	}{
		{"progress es", "es", b.T("es", "question_progress", map[string]any{"N": 2, "Total": 6}), "Pregunta 2 de 6"},
		{"progress pt", "pt", b.T("pt", "question_progress", map[string]any{"N": 2, "Total": 6}), "Pergunta 2 de 6"},
		{"one person es", "es", b.N("es", "answered_so_far", 1, nil), "Hasta ahora ha respondido 1 persona."},
		{"many people pt", "pt", b.N("pt", "answered_so_far", 12345, nil), "Até agora, 12.345 pessoas responderam."},
		{"a million es", "es", b.N("es", "answered_so_far", 1000000, nil), "Hasta ahora han respondido 1.000.000 de personas."},
		{"en thousands", "en", b.N("en", "answered_so_far", 1234, nil), "1,234 people have answered so far."},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestMessagesAreValidTelegramHTML(t *testing.T) {
	b := newBundle(t)
	for _, lang := range Languages {
		for _, id := range b.IDs() {
			s := b.N(lang, id, 3, sampleData)
			if strings.Contains(s, "<no value>") {
				t.Errorf("%s %s: a template field is missing: %q", lang, id, s)
			}
			if strings.ContainsAny(strings.NewReplacer("<b>", "", "</b>", "", "<i>", "", "</i>", "").Replace(s), "<>") {
				t.Errorf("%s %s: unescaped < or > in %q", lang, id, s)
			}
			if s == id {
				t.Errorf("%s %s: not found", lang, id)
			}
		}
	}
	_ = fmt.Sprint
}

// sampleData has a value for every template field any message uses.
var sampleData = map[string]any{
	"N": 1, "Total": 2, "Answer": "x", "Length": 5, "Max": 3, "User": "@ana", "Role": "clerk",
	// report texts
	"Title": "t", "ID": "x", "Option": "o", "Value": "1", "Low": "0", "High": "2",
	"Percent": "5 %", "Min": 5, "Question": "q",
	// results in chat
	"Target": "60 %", "Baseline": "42 %", "Margin": "±3 %", "Progress": "50",
	// exports in chat
	"Slug": "s", "Format": "CSV", "Size": "63 MB", "Limit": "50 MB",
	// the privacy notice
	"Contact": "Oficina de Transparencia", "URL": "https://congreso.example/privacidad",
	// database alerts
	"Cause": "no space left on device",
}
