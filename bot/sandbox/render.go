package sandbox

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// message is a chat message as the page renders it.
type message struct {
	ID      int  `json:"id"`
	FromBot bool `json:"from_bot"`
	// Content is the text or caption as formatting nodes.
	Content []*node `json:"content"`
	// Plain is what a screen reader announces.
	Plain    string     `json:"plain"`
	Keyboard [][]button `json:"keyboard,omitempty"`
	// Edits counts edits, so the page never replaces a newer version of a
	// message with an older one.
	Edits int `json:"edits"`
	// Date and EditDate are Unix seconds; EditDate is 0 when never edited.
	Date     int64     `json:"date"`
	EditDate int64     `json:"edit_date,omitempty"`
	Photo    *fileLink `json:"photo,omitempty"`
	Document *fileLink `json:"document,omitempty"`
}

// button is an inline keyboard button: a callback (Data) or a link (URL).
type button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// fileLink is a photo or document, served by the /file endpoint.
type fileLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Size int    `json:"size"`
}

// node is one piece of formatted text: a run of text (Type "text") or a
// formatting element around child nodes. The page maps each Type to one
// element it creates itself: b, i, u, s, code, pre, a (Href, only http,
// https, mailto, tel and tg links), blockquote, spoiler, cmd (a bot command
// the reader can tap) and mention (a highlighted @name, #tag or $TAG).
type node struct {
	Type     string  `json:"t"`
	Text     string  `json:"text,omitempty"`
	Href     string  `json:"href,omitempty"`
	Lang     string  `json:"lang,omitempty"`
	Children []*node `json:"c,omitempty"`
}

// view turns a telegramtest message into what the page renders.
func view(u *telegramtest.User, m telegramtest.Message) message {
	v := message{
		ID:      m.ID,
		FromBot: m.FromBot,
		Content: contentNodes(m.Plain, autoLinks(m.Plain, m.Entities)),
		Plain:   m.Plain,
		Edits:   m.Edits,
	}
	if sent, edited, ok := u.MessageDates(m.ID); ok {
		v.Date = sent.Unix()
		if !edited.IsZero() {
			v.EditDate = edited.Unix()
		}
	}
	for _, row := range m.Keyboard {
		var r []button
		for _, b := range row {
			r = append(r, button{Text: b.Text, Data: b.Data, URL: safeURL(b.URL)})
		}
		v.Keyboard = append(v.Keyboard, r)
	}
	link := func(kind string, f *telegramtest.File) *fileLink {
		if f == nil {
			return nil
		}
		return &fileLink{
			Name: f.Name,
			URL:  fmt.Sprintf("file?user=%d&message=%d&kind=%s", u.ID(), m.ID, kind),
			Size: len(f.Data),
		}
	}
	v.Photo = link("photo", m.Photo)
	v.Document = link("document", m.Document)
	return v
}

// nodeTypes maps the entity types the page renders to node types; other
// entities leave their text plain.
var nodeTypes = map[models.MessageEntityType]string{
	models.MessageEntityTypeBold:                 "b",
	models.MessageEntityTypeItalic:               "i",
	models.MessageEntityTypeUnderline:            "u",
	models.MessageEntityTypeStrikethrough:        "s",
	models.MessageEntityTypeCode:                 "code",
	models.MessageEntityTypePre:                  "pre",
	models.MessageEntityTypeTextLink:             "a",
	models.MessageEntityTypeURL:                  "a",
	models.MessageEntityTypeEmail:                "a",
	models.MessageEntityTypePhoneNumber:          "a",
	models.MessageEntityTypeBlockquote:           "blockquote",
	models.MessageEntityTypeExpandableBlockquote: "blockquote",
	models.MessageEntityTypeSpoiler:              "spoiler",
	models.MessageEntityTypeBotCommand:           "cmd",
	models.MessageEntityTypeMention:              "mention",
	models.MessageEntityTypeTextMention:          "mention",
	models.MessageEntityTypeHashtag:              "mention",
	models.MessageEntityTypeCashtag:              "mention",
}

// span is an entity with its node, clipped to the text, in UTF-16 units.
type span struct {
	start, end int
	node       node
}

// contentNodes builds the formatting tree of plain text and its entities
// (UTF-16 offsets, as Telegram gives them). Entities are nested outer
// first; one that crosses another's edge is split, as a browser would.
// Links whose target is not http, https, mailto, tel or tg lose the link and
// keep their text.
func contentNodes(plain string, entities []models.MessageEntity) []*node {
	text := utf16.Encode([]rune(plain))
	var spans []span
	for _, e := range entities {
		start, end := max(e.Offset, 0), min(e.Offset+e.Length, len(text))
		typ, ok := nodeTypes[e.Type]
		if !ok || start >= end {
			continue
		}
		n := node{Type: typ, Lang: e.Language}
		if typ == "a" {
			n.Href = entityHref(e, string(utf16.Decode(text[start:end])))
			if n.Href == "" {
				continue
			}
		}
		spans = append(spans, span{start: start, end: end, node: n})
	}
	slices.SortStableFunc(spans, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end))
	})

	cuts := []int{0, len(text)}
	for _, s := range spans {
		cuts = append(cuts, s.start, s.end)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	root := &node{Children: []*node{}}
	stack := []*node{root} // open elements, root first
	var open []int         // index in spans of each open element after root
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		var active []int
		for j, s := range spans {
			if s.start <= a && b <= s.end {
				active = append(active, j)
			}
		}
		keep := 0
		for keep < len(open) && keep < len(active) && open[keep] == active[keep] {
			keep++
		}
		open, stack = open[:keep], stack[:keep+1]
		for _, j := range active[keep:] {
			n := spans[j].node
			top := stack[len(stack)-1]
			top.Children = append(top.Children, &n)
			open, stack = append(open, j), append(stack, &n)
		}
		top := stack[len(stack)-1]
		appendText(top, string(utf16.Decode(text[a:b])))
	}
	return root.Children
}

// appendText adds a run of text to n, joining it to a run before it.
func appendText(n *node, s string) {
	if s == "" {
		return
	}
	if k := len(n.Children); k > 0 && n.Children[k-1].Type == "text" {
		n.Children[k-1].Text += s
		return
	}
	n.Children = append(n.Children, &node{Type: "text", Text: s})
}

// entityHref is the link target of a link entity, or "" when it is not one
// the page may open.
func entityHref(e models.MessageEntity, text string) string {
	switch e.Type {
	case models.MessageEntityTypeTextLink:
		return safeURL(e.URL)
	case models.MessageEntityTypeURL:
		if !strings.Contains(text, "://") {
			text = "http://" + text
		}
		return safeURL(text)
	case models.MessageEntityTypeEmail:
		return safeURL("mailto:" + text)
	case models.MessageEntityTypePhoneNumber:
		return safeURL("tel:" + strings.ReplaceAll(text, " ", ""))
	}
	return ""
}

// safeURL returns raw if it is an absolute http, https, mailto, tel or tg
// URL, and "" otherwise (javascript:, data:, relative URLs…).
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
	case "mailto", "tel", "tg":
	default:
		return ""
	}
	return u.String()
}
