package telegramtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Telegram's limits on texts, in UTF-16 code units after entity parsing.
const (
	maxTextLen           = 4096
	maxCaptionLen        = 1024
	maxCallbackAnswerLen = 200
)

// callbackQuery is a tap waiting for, or having received, the bot's answer.
type callbackQuery struct {
	chatID    int64
	messageID int
	answered  bool
}

// notModified is Telegram's answer to an edit that changes nothing.
func notModified() *apiError {
	return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
}

// chatOf resolves chat_id to a citizen's chat; s.mu must be held.
func (s *Server) chatOf(r *request) (*chat, *apiError) {
	v := strings.TrimSpace(r.params["chat_id"])
	if v == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s.chats[id] == nil {
		return nil, badRequest("chat not found")
	}
	return s.chats[id], nil
}

// writableChat is chatOf for sends and edits, which fail while the citizen
// has blocked the bot; s.mu must be held.
func (s *Server) writableChat(r *request) (*chat, *apiError) {
	c, err := s.chatOf(r)
	if err != nil {
		return nil, err
	}
	if c.user.blocked {
		return nil, forbidden("bot was blocked by the user")
	}
	return c, nil
}

// formatted parses the parameter field ("text" or "caption") with the
// request's parse_mode and checks its length as Telegram does; emptyOK
// allows an empty result (captions are optional).
func formatted(r *request, field string, maxLen int, emptyOK bool) (text, plain string, ents []models.MessageEntity, aerr *apiError) {
	text, aerr = r.str(field)
	if aerr != nil {
		return "", "", nil, aerr
	}
	mode := r.params["parse_mode"]
	if !utf8.ValidString(mode) {
		return "", "", nil, badRequest("strings must be encoded in UTF-8")
	}
	switch models.ParseMode(mode) {
	case "", models.ParseModeHTML, models.ParseModeMarkdown, models.ParseModeMarkdownV1:
	default:
		return "", "", nil, badRequest("unsupported parse_mode")
	}
	if field == "text" && strings.TrimSpace(text) == "" {
		return "", "", nil, badRequest("message text is empty")
	}
	plain, ents, err := ParseText(text, mode)
	if err != nil {
		return "", "", nil, badRequest("can't parse entities: %v", err)
	}
	if !emptyOK && strings.TrimSpace(plain) == "" {
		return "", "", nil, badRequest("message text is empty")
	}
	if utf16Count(plain) > maxLen {
		if field == "text" {
			return "", "", nil, badRequest("message is too long")
		}
		return "", "", nil, badRequest("message caption is too long")
	}
	return text, plain, ents, nil
}

// addBotMessage appends a message from the bot to c, applying the reply
// markup, and announces it; s.mu must be held.
func (s *Server) addBotMessage(c *chat, m *storedMessage, rm *replyMarkup) json.RawMessage {
	m.ID = c.nextID
	c.nextID++
	m.FromBot = true
	m.from = s.BotUser()
	m.date = int(s.now().Unix())
	if rm != nil {
		switch {
		case rm.inline != nil:
			m.markup = rm.inline
			m.Keyboard = buttons(rm.inline)
		case rm.reply != nil:
			c.replyKbd = rm.reply
		case rm.remove:
			c.replyKbd = nil
		}
	}
	c.msgs = append(c.msgs, m)
	s.emit(c.id, EventNew, m)
	return s.messageJSON(c, m)
}

func (s *Server) sendMessage(r *request) (any, *apiError) {
	c, aerr := s.writableChat(r)
	if aerr != nil {
		return nil, aerr
	}
	text, plain, ents, aerr := formatted(r, "text", maxTextLen, false)
	if aerr != nil {
		return nil, aerr
	}
	rm, aerr := parseReplyMarkup(r.params["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	m := &storedMessage{Message: Message{Text: text, Plain: plain, ParseMode: r.params["parse_mode"], Entities: ents}}
	return s.addBotMessage(c, m, rm), nil
}

// editTarget finds the bot message an edit names; s.mu must be held.
func (s *Server) editTarget(r *request) (*chat, *storedMessage, *apiError) {
	if r.params["inline_message_id"] != "" {
		return nil, nil, badRequest("MESSAGE_ID_INVALID (telegramtest does not support inline messages)")
	}
	c, aerr := s.writableChat(r)
	if aerr != nil {
		return nil, nil, aerr
	}
	id, aerr := r.int64Param("message_id")
	if aerr != nil {
		return nil, nil, aerr
	}
	if id == 0 {
		return nil, nil, badRequest("message identifier is not specified")
	}
	m := c.find(int(id))
	if m == nil {
		return nil, nil, badRequest("message to edit not found")
	}
	if !m.FromBot {
		return nil, nil, badRequest("message can't be edited")
	}
	return c, m, nil
}

// inlineMarkup parses the reply_markup of an edit: only an inline keyboard
// counts, and none removes the message's keyboard, as in Telegram.
func inlineMarkup(r *request) (*models.InlineKeyboardMarkup, *apiError) {
	rm, aerr := parseReplyMarkup(r.params["reply_markup"])
	if aerr != nil || rm == nil {
		return nil, aerr
	}
	return rm.inline, nil
}

// applyEdit records an edit of m and announces it; s.mu must be held.
func (s *Server) applyEdit(c *chat, m *storedMessage, markup *models.InlineKeyboardMarkup) json.RawMessage {
	m.raw = nil
	m.markup = markup
	m.Keyboard = buttons(markup)
	m.Edits++
	m.editDate = int(s.now().Unix())
	s.emit(c.id, EventEdit, m)
	return s.messageJSON(c, m)
}

// editMessageText replaces a text message's text and keyboard. Without
// reply_markup the keyboard is removed, as Telegram does.
func (s *Server) editMessageText(r *request) (any, *apiError) {
	return s.editFormatted(r, false)
}

// editMessageCaption replaces the caption of a photo or document.
func (s *Server) editMessageCaption(r *request) (any, *apiError) {
	return s.editFormatted(r, true)
}

// editFormatted replaces a message's formatted text (its caption, for a
// photo or document) and keyboard, refusing an edit that changes nothing.
func (s *Server) editFormatted(r *request, caption bool) (any, *apiError) {
	c, m, aerr := s.editTarget(r)
	if aerr != nil {
		return nil, aerr
	}
	media := m.document != nil || m.photo != nil
	field, limit := "text", maxTextLen
	switch {
	case caption && !media:
		return nil, badRequest("there is no caption in the message to edit")
	case !caption && media:
		return nil, badRequest("there is no text in the message to edit")
	case caption:
		field, limit = "caption", maxCaptionLen
	}
	text, plain, ents, aerr := formatted(r, field, limit, caption)
	if aerr != nil {
		return nil, aerr
	}
	markup, aerr := inlineMarkup(r)
	if aerr != nil {
		return nil, aerr
	}
	if plain == m.Plain && slices.Equal(ents, m.Entities) && sameMarkup(markup, m.markup) {
		return nil, notModified()
	}
	if caption {
		m.Caption = text
	} else {
		m.Text = text
	}
	m.Plain, m.ParseMode, m.Entities = plain, r.params["parse_mode"], ents
	return s.applyEdit(c, m, markup), nil
}

// editMessageReplyMarkup replaces a message's inline keyboard; without
// reply_markup it removes it.
func (s *Server) editMessageReplyMarkup(r *request) (any, *apiError) {
	c, m, aerr := s.editTarget(r)
	if aerr != nil {
		return nil, aerr
	}
	markup, aerr := inlineMarkup(r)
	if aerr != nil {
		return nil, aerr
	}
	if sameMarkup(markup, m.markup) {
		return nil, notModified()
	}
	return s.applyEdit(c, m, markup), nil
}

// deleteMessage removes a message, the bot's or the citizen's, from the chat.
func (s *Server) deleteMessage(r *request) (any, *apiError) {
	c, aerr := s.chatOf(r)
	if aerr != nil {
		return nil, aerr
	}
	id, aerr := r.int64Param("message_id")
	if aerr != nil {
		return nil, aerr
	}
	i := slices.IndexFunc(c.msgs, func(m *storedMessage) bool { return m.ID == int(id) })
	if i < 0 {
		return nil, badRequest("message to delete not found")
	}
	m := c.msgs[i]
	c.msgs = slices.Delete(c.msgs, i, i+1)
	s.emit(c.id, EventDelete, m)
	return true, nil
}

// answerCallbackQuery records the answer to a tap; a query can be answered
// once.
func (s *Server) answerCallbackQuery(r *request) (any, *apiError) {
	q := s.callbacks[r.params["callback_query_id"]]
	if q == nil || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	text, aerr := r.str("text")
	if aerr != nil {
		return nil, aerr
	}
	if utf16Count(text) > maxCallbackAnswerLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	q.answered = true
	c := s.chats[q.chatID]
	c.lastAnswer, c.hasAnswer = text, true
	if len(s.subs) > 0 || len(s.observers) > 0 {
		ev := Event{ChatID: c.id, Kind: EventCallbackAnswer, Text: text, ShowAlert: r.boolParam("show_alert")}
		if m := c.find(q.messageID); m != nil {
			ev.Message = m.view()
		}
		s.send(ev)
	}
	return true, nil
}

// PendingTaps is the number of the citizen's taps the bot has not answered
// with answerCallbackQuery (the citizen would still see a spinner).
func (u *User) PendingTaps() int {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	n := 0
	for _, q := range u.s.callbacks {
		if q.chatID == u.id && !q.answered {
			n++
		}
	}
	return n
}

// sendChatAction accepts a chat action ("typing"...) and records it only.
func (s *Server) sendChatAction(r *request) (any, *apiError) {
	if _, aerr := s.writableChat(r); aerr != nil {
		return nil, aerr
	}
	if r.params["action"] == "" {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}
