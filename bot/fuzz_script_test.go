package bot

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// This file plays FuzzUpdates' scripts line by line; the format is in
// FuzzUpdates' comment.

// step plays one line of the script; rest is what follows it, the content
// of a document. It reports whether the rest was used up.
func (r *fuzzRun) step(line, rest string) (usedRest bool) {
	if line == "" {
		return false
	}
	if len(line) > fuzzMaxText {
		line = line[:fuzzMaxText]
	}
	who, body, _ := strings.Cut(line, " ")
	kind, arg, _ := strings.Cut(body, " ")
	if kind == "wait" || line == "wait" {
		r.waitIdle("a wait in the script")
		return false
	}
	if who == "" {
		return false
	}
	var u *telegramtest.User
	chat := models.ChatTypePrivate
	switch who[0] {
	case 'a':
		u = r.admin
	case 'g':
		u, chat = r.citizens[0], models.ChatTypeSupergroup
	case 'c':
		u, chat = nil, models.ChatTypeChannel
	default:
		u = r.citizens[int(who[0])%len(r.citizens)]
	}
	if u != nil {
		r.involved[u] = true
	}
	switch {
	case kind == "say":
		r.message(u, chat, strings.ReplaceAll(arg, `\n`, "\n"), nil, true)
	case kind == "ent":
		r.message(u, chat, arg, fuzzEntities(arg), false)
	case kind == "tap" && u != nil:
		r.waitIdle("the updates before a tap")
		n, _ := strconv.Atoi(arg)
		if m, b, ok := nthButton(u, n); ok {
			r.tap(u, m.ID, b.Data)
		}
	case kind == "cb" && u != nil:
		r.tap(u, latestBotMessage(u), arg)
	case strings.HasPrefix(kind, "cb@") && u != nil:
		id, _ := strconv.Atoi(kind[3:])
		r.tap(u, id, arg)
	case kind == "nv" && u != nil:
		r.tap(u, latestBotMessage(u), nearValidData(arg))
	case kind == "doc" && u != nil && chat == models.ChatTypePrivate:
		u.SendDocument(arg, []byte(rest))
		return true
	case kind == "again":
		n, _ := strconv.Atoi(arg)
		if n > 0 && n <= len(r.sent) {
			r.fb.srv.Push(r.sent[len(r.sent)-n])
		}
	case kind == "other":
		from := models.User{ID: 1}
		if u != nil {
			from = u.Model()
		}
		r.fb.srv.Push(models.Update{InlineQuery: &models.InlineQuery{ID: "1", From: &from, Query: arg}})
	default:
		r.message(u, chat, line, nil, true)
	}
	return false
}

// message sends text from u in a chat of the kind, as Telegram would: a
// command gets its bot_command entity when command is set.
func (r *fuzzRun) message(u *telegramtest.User, chat models.ChatType, text string, entities []models.MessageEntity, command bool) {
	m := &models.Message{Date: int(r.fb.clock.Now().Unix()), Text: text, Entities: entities}
	switch {
	case u == nil:
		m.Chat = models.Chat{ID: -1001000000001, Type: chat, Title: "Canal"}
		m.ID = len(r.sent) + 1
	case chat == models.ChatTypePrivate:
		from := u.Model()
		m.From, m.Chat = &from, models.Chat{ID: u.ID(), Type: chat, FirstName: from.FirstName, Username: from.Username}
		m.ID = nextMessageID(u)
	default:
		from := u.Model()
		m.From, m.Chat = &from, models.Chat{ID: -1001000000002, Type: chat, Title: "Grupo"}
		m.ID = len(r.sent) + 1
	}
	if command && strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		m.Entities = append(m.Entities, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Length: len(utf16.Encode([]rune(cmd)))})
	}
	r.push(models.Update{Message: m})
}

// tap taps data on message id of u's chat.
func (r *fuzzRun) tap(u *telegramtest.User, messageID int, data string) {
	id := u.TapData(messageID, data)
	// Delivered again, the tap comes on a message the bot can no longer
	// see; what matters is the update_id.
	from := u.Model()
	r.sent = append(r.sent, models.Update{ID: id, CallbackQuery: &models.CallbackQuery{
		ID: "again" + strconv.FormatInt(id, 10), From: from, Data: data,
		Message: models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: models.Chat{ID: u.ID(), Type: models.ChatTypePrivate}, MessageID: messageID},
		},
	}})
}

func (r *fuzzRun) push(u models.Update) {
	u.ID = r.fb.srv.Push(u)
	r.sent = append(r.sent, u)
}

// latestBotMessage is the id of the bot's latest message in u's chat, 0
// when there is none.
func latestBotMessage(u *telegramtest.User) int {
	return u.Last().ID
}

// nextMessageID is an id for a new message from u: after every message in
// the chat.
func nextMessageID(u *telegramtest.User) int {
	id := 0
	for _, m := range u.Messages() {
		id = max(id, m.ID)
	}
	return id + 1
}

// nthButton is the n-th callback button (counted across rows, wrapping
// around) of the latest bot message in u's chat that has any.
func nthButton(u *telegramtest.User, n int) (telegramtest.Message, telegramtest.Button, bool) {
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if !m.FromBot {
			continue
		}
		var bs []telegramtest.Button
		for _, row := range m.Keyboard {
			for _, b := range row {
				if b.Data != "" {
					bs = append(bs, b)
				}
			}
		}
		if len(bs) > 0 {
			return m, bs[((n%len(bs))+len(bs))%len(bs)], true
		}
	}
	return telegramtest.Message{}, telegramtest.Button{}, false
}

// fuzzEntityTypes are the entity types a citizen's message may carry.
var fuzzEntityTypes = []models.MessageEntityType{
	models.MessageEntityTypeBotCommand, models.MessageEntityTypeMention, models.MessageEntityTypeHashtag,
	models.MessageEntityTypeURL, models.MessageEntityTypeBold, models.MessageEntityTypeTextLink,
	models.MessageEntityTypeTextMention, models.MessageEntityTypePre, models.MessageEntityTypeCustomEmoji,
}

// fuzzEntities draws entities, in or out of the text's bounds, from its
// bytes, three bytes each.
func fuzzEntities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	for i := 0; i+2 < len(text) && len(out) < 8; i += 3 {
		e := models.MessageEntity{
			Type:   fuzzEntityTypes[int(text[i])%len(fuzzEntityTypes)],
			Offset: int(text[i+1]) - 8,
			Length: int(text[i+2]) - 8,
		}
		switch e.Type {
		case models.MessageEntityTypeTextLink:
			e.URL = "javascript:" + text
		case models.MessageEntityTypeTextMention:
			e.User = &models.User{ID: int64(text[i])}
		}
		out = append(out, e)
	}
	return out
}

// nearValidData builds callback data that the bot's decoder accepts or
// nearly: an action the bot knows, then arguments from the values its
// buttons carry, and now and then one that is off.
func nearValidData(seed string) string {
	if seed == "" {
		return ""
	}
	actions := make([]string, 0, len(argCounts))
	for a := range argCounts {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	values := []string{
		"watched", "satisfaction", "recommend", "channels", "region", "comment", "nope",
		"0", "1", "3", "5", "10", "-1", "11", "99", "9999999999999999999", "x",
		slugKey(reference), slugKey("otra"), "new", "pt", "xx", "csv", "xlsx", "jsonl", "open", "close",
		"save", "restart", "cancel", "transparency", "single", "text", "en", "y", "n", "",
	}
	action := actions[int(seed[0])%len(actions)]
	parts := []string{action}
	n := argCounts[action]
	if len(seed) > 1 && seed[1]%7 == 0 {
		n++ // one too many
	}
	for i := range n {
		v := "0"
		if 2+i < len(seed) {
			v = values[int(seed[2+i])%len(values)]
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, ":")
}
