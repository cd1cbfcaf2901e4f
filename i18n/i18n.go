// Package i18n holds the bot's own texts in every language parlabot speaks
// (es, pt, en, fr), embedded in the binary, and picks a citizen's language
// from what their Telegram app reports.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// files are the message files: messages/<lang>.yaml, and optionally
// messages/<subject>.<lang>.yaml for texts grouped by subject.
//
//go:embed messages/*.yaml
var files embed.FS

// Languages are the languages the bot speaks, in the order menus show them.
var Languages = []string{"es", "pt", "en", "fr"}

// names are the languages' own names, as a speaker would look for them in a menu.
var names = map[string]string{"es": "Español", "pt": "Português", "en": "English", "fr": "Français"}

// Name returns the language's name in that language ("Português").
func Name(lang string) string { return names[lang] }

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { _, ok := names[lang]; return ok }

// Match maps a Telegram language_code ("pt-BR", "es-419", "en") to one of
// Languages, or "" when the bot doesn't speak it.
func Match(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	base, _, _ := strings.Cut(strings.ReplaceAll(code, "_", "-"), "-")
	if Supported(base) {
		return base
	}
	return ""
}

// fileLanguage is the language of a message file: "es" for es.yaml and for
// staff.es.yaml (texts may be split by subject, one file per language each).
func fileLanguage(p string) string {
	parts := strings.Split(path.Base(p), ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2]
}

// Bundle gives the bot's texts in each language.
type Bundle struct {
	defaultLang string
	localizers  map[string]*goi18n.Localizer
	printers    map[string]*message.Printer
	ids         []string
}

// New loads the embedded message files. defaultLang is the language used
// for citizens whose app reports a language the bot doesn't speak.
func New(defaultLang string) (*Bundle, error) {
	if !Supported(defaultLang) {
		return nil, fmt.Errorf("language %q is not supported; use one of %s", defaultLang, strings.Join(Languages, ", "))
	}
	b := goi18n.NewBundle(language.Spanish)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	paths, err := fs.Glob(files, "messages/*.yaml")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range paths {
		mf, err := b.LoadMessageFileFS(files, p)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", path.Base(p), err)
		}
		if fileLanguage(p) == "en" {
			for _, m := range mf.Messages {
				ids = append(ids, m.ID)
			}
		}
	}
	bd := &Bundle{defaultLang: defaultLang, localizers: map[string]*goi18n.Localizer{}, printers: map[string]*message.Printer{}, ids: ids}
	for _, l := range Languages {
		bd.localizers[l] = goi18n.NewLocalizer(b, l, defaultLang, "en")
		bd.printers[l] = message.NewPrinter(language.Make(l))
	}
	return bd, nil
}

// Default is the language for citizens whose app language the bot doesn't speak.
func (b *Bundle) Default() string { return b.defaultLang }

// Lang returns the language to use for a Telegram language_code: its match
// among Languages, or the default.
func (b *Bundle) Lang(code string) string {
	if l := Match(code); l != "" {
		return l
	}
	return b.defaultLang
}

// IDs lists every message id, for tests that check each language has them all.
func (b *Bundle) IDs() []string { return append([]string(nil), b.ids...) }

// T returns message id in lang, filled with data (a map of template fields).
// A message missing in lang falls back to the default language, then English.
func (b *Bundle) T(lang, id string, data map[string]any) string {
	s, err := b.localizer(lang).Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// N returns the plural form of message id for count in lang. The template
// sees .Count as the number written the way lang writes numbers ("1.234"),
// besides any fields in data.
func (b *Bundle) N(lang, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": b.Number(lang, count)}
	for k, v := range data {
		d[k] = v
	}
	s, err := b.localizer(lang).Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Number writes n the way lang writes numbers (es "1.234", en "1,234").
func (b *Bundle) Number(lang string, n int) string {
	p, ok := b.printers[lang]
	if !ok {
		p = b.printers[b.defaultLang]
	}
	return p.Sprintf("%d", n)
}

func (b *Bundle) localizer(lang string) *goi18n.Localizer {
	if l, ok := b.localizers[lang]; ok {
		return l
	}
	return b.localizers[b.defaultLang]
}
