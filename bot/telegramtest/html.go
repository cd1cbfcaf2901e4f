package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// ParseText parses text in a Bot API parse_mode ("HTML", "MarkdownV2",
// "Markdown" or "" for plain text) the way Telegram does, and returns what
// the reader sees: the plain text and its entities (UTF-16 offsets). The
// error is the description Telegram gives after "Bad Request: can't parse
// entities: ". Tests can use it to check an escaping function directly.
func ParseText(text, parseMode string) (plain string, entities []models.MessageEntity, err error) {
	switch parseMode {
	case "":
		return text, nil, nil
	case string(models.ParseModeHTML):
		return parseHTML(text)
	case string(models.ParseModeMarkdown):
		return parseMarkdownV2(text)
	case string(models.ParseModeMarkdownV1):
		return parseMarkdownV1(text)
	}
	return "", nil, fmt.Errorf("unsupported parse_mode %q", parseMode)
}

// utf16Len is the length of r in UTF-16 code units, Telegram's unit for
// offsets and lengths.
func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Count is the length of s in UTF-16 code units.
func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

// textBuilder accumulates plain text and counts its UTF-16 length.
type textBuilder struct {
	b   strings.Builder
	u16 int
}

func (t *textBuilder) rune(r rune) {
	t.b.WriteRune(r)
	t.u16 += utf16Len(r)
}

func (t *textBuilder) byte(c byte) { t.rune(rune(c)) }

// sortEntities orders entities as Telegram does: by offset, outer first.
func sortEntities(ents []models.MessageEntity) []models.MessageEntity {
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	return ents
}

// htmlTags are the tags Telegram's HTML parse mode supports, with the entity
// each produces.
var htmlTags = map[string]models.MessageEntityType{
	"b":          models.MessageEntityTypeBold,
	"strong":     models.MessageEntityTypeBold,
	"i":          models.MessageEntityTypeItalic,
	"em":         models.MessageEntityTypeItalic,
	"u":          models.MessageEntityTypeUnderline,
	"ins":        models.MessageEntityTypeUnderline,
	"s":          models.MessageEntityTypeStrikethrough,
	"strike":     models.MessageEntityTypeStrikethrough,
	"del":        models.MessageEntityTypeStrikethrough,
	"a":          models.MessageEntityTypeTextLink,
	"code":       models.MessageEntityTypeCode,
	"pre":        models.MessageEntityTypePre,
	"tg-spoiler": models.MessageEntityTypeSpoiler,
	"span":       models.MessageEntityTypeSpoiler,
	"blockquote": models.MessageEntityTypeBlockquote,
	"tg-emoji":   models.MessageEntityTypeCustomEmoji,
}

// htmlOpen is an open tag while parsing HTML.
type htmlOpen struct {
	name   string
	entity models.MessageEntity // Offset set; Length computed at the end tag
	skip   bool                 // produces no entity (code inside pre, a without href)
}

// isHTMLSpace matches tdlib's is_space.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == 0
}

// parseHTML follows Telegram's (tdlib's) HTML parser and its error messages.
// It is stricter in one respect: a '&' that starts no valid entity is an
// error here, where Telegram would show it literally, because in a bot it
// always means text that was not escaped.
func parseHTML(text string) (string, []models.MessageEntity, error) {
	var out textBuilder
	var stack []htmlOpen
	var ents []models.MessageEntity
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '&':
			r, n := decodeHTMLEntity(text[i:])
			if n == 0 {
				return "", nil, fmt.Errorf("Character '&' at byte offset %d must be escaped as \"&amp;\" (telegramtest rejects a bare '&' that Telegram would show literally)", i)
			}
			out.rune(r)
			i += n
		case c == '<' && i+1 < len(text) && text[i+1] == '/':
			begin := i
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
			}
			name := strings.ToLower(strings.TrimRight(text[i+2:i+end], " \t\r\n"))
			i += end + 1
			if len(stack) == 0 {
				return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
			}
			top := stack[len(stack)-1]
			if top.name != name {
				return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, name)
			}
			stack = stack[:len(stack)-1]
			top.entity.Length = out.u16 - top.entity.Offset
			if !top.skip && top.entity.Length > 0 {
				ents = append(ents, top.entity)
			}
		case c == '<':
			open, next, err := parseHTMLStartTag(text, i, stack)
			if err != nil {
				return "", nil, err
			}
			open.entity.Offset = out.u16
			stack = append(stack, open)
			i = next
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			out.rune(r)
			i += size
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	return out.b.String(), sortEntities(ents), nil
}

// parseHTMLStartTag parses the start tag at text[begin] ('<') and returns it
// with the index after its '>'. Inside a pre, a code tag's language-* class
// becomes the pre's language.
func parseHTMLStartTag(text string, begin int, stack []htmlOpen) (htmlOpen, int, error) {
	i := begin + 1
	for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
		i++
	}
	if i >= len(text) {
		return htmlOpen{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
	}
	name := strings.ToLower(text[begin+1 : i])
	typ, ok := htmlTags[name]
	if !ok {
		return htmlOpen{}, 0, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
	}
	attrs := map[string]string{}
	for {
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return htmlOpen{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		if text[i] == '>' {
			i++
			break
		}
		nameStart := i
		for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '=' && text[i] != '>' {
			i++
		}
		attr := strings.ToLower(text[nameStart:i])
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return htmlOpen{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		if text[i] != '=' {
			attrs[attr] = "" // a flag such as <blockquote expandable>
			continue
		}
		i++
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return htmlOpen{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		var value strings.Builder
		if q := text[i]; q == '"' || q == '\'' {
			i++
			for i < len(text) && text[i] != q {
				if r, n := decodeHTMLEntity(text[i:]); n > 0 {
					value.WriteRune(r)
					i += n
					continue
				}
				value.WriteByte(text[i]) // a bare '&' in a value is literal, as in Telegram
				i++
			}
			if i >= len(text) {
				return htmlOpen{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			i++
		} else {
			start := i
			for i < len(text) && (isAlnum(text[i]) || text[i] == '.' || text[i] == '-') {
				i++
			}
			if i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
				return htmlOpen{}, 0, fmt.Errorf("Unexpected end of name token at byte offset %d", i)
			}
			value.WriteString(strings.ToLower(text[start:i]))
		}
		attrs[attr] = value.String()
	}

	open := htmlOpen{name: name, entity: models.MessageEntity{Type: typ}}
	switch name {
	case "a":
		open.entity.URL = attrs["href"]
		open.skip = open.entity.URL == ""
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return htmlOpen{}, 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
	case "tg-emoji":
		id := attrs["emoji-id"]
		if id == "" {
			return htmlOpen{}, 0, fmt.Errorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", begin)
		}
		open.entity.CustomEmojiID = id
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			open.entity.Type = models.MessageEntityTypeExpandableBlockquote
		}
	case "code":
		if n := len(stack); n > 0 && stack[n-1].name == "pre" {
			open.skip = true
			if lang, ok := strings.CutPrefix(attrs["class"], "language-"); ok && stack[n-1].entity.Language == "" {
				stack[n-1].entity.Language = lang
			}
		}
	}
	return open, i, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// decodeHTMLEntity decodes the entity at the start of s (which begins with
// '&') and returns the character and the bytes consumed, or n == 0 when s
// starts no entity Telegram supports: &lt; &gt; &amp; &quot; and numeric
// ones. The ';' is optional, as in Telegram.
func decodeHTMLEntity(s string) (r rune, n int) {
	if len(s) < 2 || s[0] != '&' {
		return 0, 0
	}
	end := 1
	if s[1] == '#' {
		base := 10
		end = 2
		if end < len(s) && (s[end] == 'x' || s[end] == 'X') {
			base = 16
			end++
		}
		start := end
		for end < len(s) && (base == 10 && s[end] >= '0' && s[end] <= '9' || base == 16 && isHexDigit(s[end])) {
			end++
		}
		if end == start || end-start > 8 {
			return 0, 0
		}
		v, err := strconv.ParseUint(s[start:end], base, 32)
		if err != nil || v == 0 || v > 0x10FFFF || v >= 0xD800 && v <= 0xDFFF {
			return 0, 0
		}
		r = rune(v)
	} else {
		for end < len(s) && (s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z') {
			end++
		}
		switch s[1:end] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, 0
		}
	}
	if end < len(s) && s[end] == ';' {
		end++
	}
	return r, end
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
