package sandbox

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Telegram's servers mark the commands, links, e-mail addresses and
// @usernames in a message's text that the sender did not format, so that
// "/help" or "https://camara.cl" can be tapped; the fake does not, so the web
// chat finds them itself. Each kind is found by a candidate pattern and then
// checked, since Go's regexp has no look-behind.
var autoKinds = []struct {
	typ     models.MessageEntityType
	pattern *regexp.Regexp
}{
	{models.MessageEntityTypeURL, regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s<>"]+`)},
	{models.MessageEntityTypeEmail, regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)},
	{models.MessageEntityTypeMention, regexp.MustCompile(`@[A-Za-z0-9_]{4,32}`)},
	{models.MessageEntityTypeBotCommand, regexp.MustCompile(`/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?`)},
}

// unlinkable are the entity types inside which Telegram finds no links.
var unlinkable = map[models.MessageEntityType]bool{
	models.MessageEntityTypeCode: true, models.MessageEntityTypePre: true,
	models.MessageEntityTypeTextLink: true, models.MessageEntityTypeURL: true,
	models.MessageEntityTypeEmail: true, models.MessageEntityTypeMention: true,
	models.MessageEntityTypeTextMention: true, models.MessageEntityTypeBotCommand: true,
	models.MessageEntityTypeHashtag: true, models.MessageEntityTypeCashtag: true,
	models.MessageEntityTypePhoneNumber: true, models.MessageEntityTypeCustomEmoji: true,
}

// autoLinks returns entities with the links Telegram would add to plain:
// commands, URLs, e-mail addresses and mentions that start a word and lie
// outside code and existing links.
func autoLinks(plain string, entities []models.MessageEntity) []models.MessageEntity {
	out := slices.Clone(entities)
	taken := func(start, end int) bool {
		for _, e := range out {
			if unlinkable[e.Type] && start < e.Offset+e.Length && e.Offset < end {
				return true
			}
		}
		return false
	}
	for _, k := range autoKinds {
		for _, loc := range k.pattern.FindAllStringIndex(plain, -1) {
			start, end := loc[0], loc[1]
			if k.typ == models.MessageEntityTypeURL {
				end = start + len(strings.TrimRight(plain[start:end], `.,;:!?'")]}`))
			}
			before, _ := utf8.DecodeLastRuneInString(plain[:start])
			after, _ := utf8.DecodeRuneInString(plain[end:])
			if start > 0 && (wordRune(before) || strings.ContainsRune("/@<>", before)) ||
				end < len(plain) && (wordRune(after) || strings.ContainsRune("/<>", after)) {
				continue // part of a longer word, path or tag, as Telegram judges
			}
			off, n := utf16Len(plain[:start]), utf16Len(plain[start:end])
			if !taken(off, off+n) {
				out = append(out, models.MessageEntity{Type: k.typ, Offset: off, Length: n})
			}
		}
	}
	return out
}

// wordRune reports whether r continues a word, so a match next to it is not
// a word of its own.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// utf16Len is the length of s in UTF-16 code units, Telegram's unit.
func utf16Len(s string) int {
	return len(utf16.Encode([]rune(s)))
}
