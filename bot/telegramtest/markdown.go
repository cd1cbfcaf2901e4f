package telegramtest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// mdReserved are the characters MarkdownV2 requires escaped with '\' outside
// markup.
const mdReserved = "_*[]()~`>#+-=|{}.!"

// mdTypeNames are the entity names tdlib uses in MarkdownV2 errors.
var mdTypeNames = map[models.MessageEntityType]string{
	models.MessageEntityTypeBold:          "Bold",
	models.MessageEntityTypeItalic:        "Italic",
	models.MessageEntityTypeUnderline:     "Underline",
	models.MessageEntityTypeStrikethrough: "Strikethrough",
	models.MessageEntityTypeSpoiler:       "Spoiler",
	models.MessageEntityTypeTextLink:      "TextUrl",
	models.MessageEntityTypeCode:          "Code",
	models.MessageEntityTypePre:           "Pre",
	models.MessageEntityTypeCustomEmoji:   "CustomEmoji",
}

// mdOpen is an open MarkdownV2 entity.
type mdOpen struct {
	entity  models.MessageEntity
	byteOff int
}

// parseMarkdownV2 follows Telegram's (tdlib's) MarkdownV2 parser and its
// error messages: reserved characters outside markup must be escaped, inside
// code and pre only '`' and '\' must be.
func parseMarkdownV2(text string) (string, []models.MessageEntity, error) {
	var out textBuilder
	var stack []mdOpen
	var ents []models.MessageEntity
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	lineStart, quoteStart, lineEnd := true, -1, 0
	for i := 0; i < len(text); {
		c := text[i]
		inCode := len(stack) > 0 && (stack[len(stack)-1].entity.Type == models.MessageEntityTypeCode ||
			stack[len(stack)-1].entity.Type == models.MessageEntityTypePre)
		if lineStart && !inCode {
			if c == '>' {
				if quoteStart < 0 {
					quoteStart = out.u16
				}
				lineStart = false
				i++
				continue
			}
			if quoteStart >= 0 {
				ents = append(ents, models.MessageEntity{Type: models.MessageEntityTypeBlockquote, Offset: quoteStart, Length: lineEnd - quoteStart})
				quoteStart = -1
			}
		}
		lineStart = false
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			out.byte(text[i+1])
			i += 2
			continue
		}
		reserved := mdReserved
		if inCode {
			reserved = "`"
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			if c == '\n' {
				lineStart, lineEnd = true, out.u16
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			out.rune(r)
			i += size
			continue
		}

		if n := len(stack); n > 0 {
			top := stack[n-1]
			var end bool
			switch top.entity.Type {
			case models.MessageEntityTypeBold:
				end = c == '*'
			case models.MessageEntityTypeItalic:
				end = c == '_' && at(i+1) != '_'
			case models.MessageEntityTypeUnderline:
				end = c == '_' && at(i+1) == '_'
			case models.MessageEntityTypeStrikethrough:
				end = c == '~'
			case models.MessageEntityTypeSpoiler:
				end = c == '|' && at(i+1) == '|'
			case models.MessageEntityTypeCode:
				end = c == '`'
			case models.MessageEntityTypePre:
				end = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case models.MessageEntityTypeTextLink, models.MessageEntityTypeCustomEmoji:
				end = c == ']'
			}
			if end {
				stack = stack[:n-1]
				e := top.entity
				e.Length = out.u16 - e.Offset
				switch e.Type {
				case models.MessageEntityTypeUnderline, models.MessageEntityTypeSpoiler:
					i += 2
				case models.MessageEntityTypePre:
					i += 3
				case models.MessageEntityTypeTextLink, models.MessageEntityTypeCustomEmoji:
					i++
					url := ""
					if at(i) == '(' {
						i++
						urlBegin := i
						var u strings.Builder
						for i < len(text) && text[i] != ')' {
							if text[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
								u.WriteByte(text[i+1])
								i += 2
								continue
							}
							u.WriteByte(text[i])
							i++
						}
						if i >= len(text) {
							return "", nil, fmt.Errorf("Can't find end of a URL at byte offset %d", urlBegin)
						}
						i++
						url = u.String()
					} else {
						url = out.b.String()[byteOffsetOfU16(out.b.String(), e.Offset):]
					}
					if e.Type == models.MessageEntityTypeCustomEmoji {
						e.CustomEmojiID = strings.TrimPrefix(url, "tg://emoji?id=")
					} else {
						e.URL = url
					}
				default:
					i++
				}
				if e.Length > 0 {
					ents = append(ents, e)
				}
				continue
			}
		}

		begin := i
		e := models.MessageEntity{Offset: out.u16}
		switch c {
		case '_':
			if at(i+1) == '_' {
				e.Type = models.MessageEntityTypeUnderline
				i++
			} else {
				e.Type = models.MessageEntityTypeItalic
			}
		case '*':
			e.Type = models.MessageEntityTypeBold
		case '~':
			e.Type = models.MessageEntityTypeStrikethrough
		case '|':
			if at(i+1) != '|' {
				return "", nil, mdReservedError(c)
			}
			e.Type = models.MessageEntityTypeSpoiler
			i++
		case '[':
			e.Type = models.MessageEntityTypeTextLink
		case '!':
			if at(i+1) != '[' {
				return "", nil, mdReservedError(c)
			}
			e.Type = models.MessageEntityTypeCustomEmoji
			i++
		case '`':
			if at(i+1) == '`' && at(i+2) == '`' {
				e.Type = models.MessageEntityTypePre
				i += 3
				langEnd := i
				for langEnd < len(text) && !isHTMLSpace(text[langEnd]) && text[langEnd] != '`' {
					langEnd++
				}
				if langEnd != i && langEnd < len(text) && text[langEnd] != '`' {
					e.Language = text[i:langEnd]
					i = langEnd
				}
				if at(i) == '\n' || at(i) == '\r' {
					if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
						i++
					}
					i++
				}
				stack = append(stack, mdOpen{entity: e, byteOff: begin})
				continue
			}
			e.Type = models.MessageEntityTypeCode
		default:
			return "", nil, mdReservedError(c)
		}
		i++
		stack = append(stack, mdOpen{entity: e, byteOff: begin})
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", mdTypeNames[top.entity.Type], top.byteOff)
	}
	if quoteStart >= 0 && out.u16 > quoteStart {
		ents = append(ents, models.MessageEntity{Type: models.MessageEntityTypeBlockquote, Offset: quoteStart, Length: out.u16 - quoteStart})
	}
	return out.b.String(), sortEntities(ents), nil
}

func mdReservedError(c byte) error {
	return fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// byteOffsetOfU16 converts a UTF-16 offset into s to a byte offset.
func byteOffsetOfU16(s string, off int) int {
	u := 0
	for i, r := range s {
		if u >= off {
			return i
		}
		u += utf16Len(r)
	}
	return len(s)
}

// parseMarkdownV1 follows Telegram's legacy Markdown: *bold*, _italic_,
// `code`, ```pre``` and [text](url), no nesting, '\' escaping only the
// markup characters, and an error for an entity left open.
func parseMarkdownV1(text string) (string, []models.MessageEntity, error) {
	var out textBuilder
	var ents []models.MessageEntity
	for i := 0; i < len(text); {
		c := text[i]
		if c == '\\' && i+1 < len(text) && strings.IndexByte("_*`[", text[i+1]) >= 0 {
			out.byte(text[i+1])
			i += 2
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.rune(r)
			i += size
			continue
		}
		begin := i
		endChar, isPre := c, false
		if c == '[' {
			endChar = ']'
		}
		i++
		if c == '`' && strings.HasPrefix(text[i:], "``") {
			isPre = true
			i += 2
		}
		e := models.MessageEntity{Offset: out.u16}
		for i < len(text) && (text[i] != endChar || isPre && !strings.HasPrefix(text[i:], "```")) {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.rune(r)
			i += size
		}
		if i >= len(text) {
			return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		e.Length = out.u16 - e.Offset
		i++
		switch {
		case isPre:
			i += 2
			e.Type = models.MessageEntityTypePre
		case c == '*':
			e.Type = models.MessageEntityTypeBold
		case c == '_':
			e.Type = models.MessageEntityTypeItalic
		case c == '`':
			e.Type = models.MessageEntityTypeCode
		case c == '[':
			e.Type = models.MessageEntityTypeTextLink
			if i < len(text) && text[i] == '(' {
				end := strings.IndexByte(text[i:], ')')
				if end < 0 {
					return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
				}
				e.URL = text[i+1 : i+end]
				i += end + 1
			}
			if e.URL == "" {
				continue
			}
		}
		if e.Length > 0 {
			ents = append(ents, e)
		}
	}
	return out.b.String(), sortEntities(ents), nil
}
