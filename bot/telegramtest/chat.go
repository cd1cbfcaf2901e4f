package telegramtest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Message is a message in a private chat as the citizen sees it now: edits
// applied, deleted messages gone.
type Message struct {
	// ID is the message_id, counted per chat from 1 as in Telegram.
	ID int
	// FromBot tells the bot's messages from the citizen's.
	FromBot bool
	// Text is the text as the bot sent it (HTML or MarkdownV2 source), or as
	// the citizen typed it.
	Text string
	// Plain is what the citizen reads: Text, or the caption of a photo or
	// document, with markup removed and entities decoded.
	Plain string
	// ParseMode is the parse_mode the bot used ("HTML", "MarkdownV2" or "").
	ParseMode string
	// Entities are the formatting entities of Plain, with UTF-16 offsets as
	// Telegram gives them, for a renderer such as the sandbox's web chat.
	Entities []models.MessageEntity
	// Keyboard is the inline keyboard under the message, if any.
	Keyboard [][]Button
	// Edits counts the successful edits of the message.
	Edits int
	// Photo is the photo of a sendPhoto message.
	Photo *File
	// Document is the file of a sendDocument message.
	Document *File
	// Caption is the caption of a photo or document as the bot sent it.
	Caption string
}

// Button is an inline keyboard button.
type Button struct {
	// Text is the label the citizen sees.
	Text string
	// Data is the callback_data a tap sends to the bot.
	Data string
	// URL is the link the button opens, for URL buttons.
	URL string
}

// storedMessage is a message with what the server needs to render it as a
// models.Message.
type storedMessage struct {
	Message
	from     models.User
	date     int
	editDate int
	markup   *models.InlineKeyboardMarkup
	document *models.Document
	photo    []models.PhotoSize
	// raw is the message as the Bot API returns it, kept until it changes:
	// the answer to the call that sent or edited it, and the message
	// under a button tapped next, carry the same JSON.
	raw json.RawMessage
}

// view returns a copy of the citizen's view of m, safe to hand out.
func (m *storedMessage) view() Message {
	v := m.Message
	v.Entities = append([]models.MessageEntity(nil), m.Entities...)
	v.Keyboard = nil
	for _, row := range m.Keyboard {
		v.Keyboard = append(v.Keyboard, append([]Button(nil), row...))
	}
	if m.Photo != nil {
		f := *m.Photo
		v.Photo = &f
	}
	if m.Document != nil {
		f := *m.Document
		v.Document = &f
	}
	return v
}

// chat is the private chat between the bot and one citizen.
type chat struct {
	id       int64
	user     *User
	msgs     []*storedMessage
	nextID   int
	replyKbd *models.ReplyKeyboardMarkup

	lastAnswer string
	hasAnswer  bool
}

// find returns the message with the given id, or nil.
func (c *chat) find(id int) *storedMessage {
	for _, m := range c.msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// User is a citizen with a private chat with the bot (chat id == user id).
// Get one with Server.User.
type User struct {
	s         *Server
	id        int64
	firstName string
	username  string

	// guarded by s.mu
	lang    string
	blocked bool
}

// User returns the citizen with the given Telegram id, creating the user and
// the private chat on first use with first name "Citizen <id>", username
// "citizen<id>" and the language code. A later call returns the same user
// unchanged (also one first seen in a pushed update); use SetLanguage to
// change the language.
func (s *Server) User(id int64, languageCode string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user(id, languageCode, "", "")
}

// user returns the citizen with id, creating it; empty names get the
// defaults. s.mu must be held.
func (s *Server) user(id int64, languageCode, firstName, username string) *User {
	if u, ok := s.users[id]; ok {
		return u
	}
	if firstName == "" {
		firstName = fmt.Sprintf("Citizen %d", id)
	}
	if username == "" {
		username = fmt.Sprintf("citizen%d", id)
	}
	u := &User{s: s, id: id, firstName: firstName, username: username, lang: languageCode}
	s.users[id] = u
	s.chats[id] = &chat{id: id, user: u, nextID: 1}
	return u
}

// Users returns every citizen known to the server (created with User or
// seen in a pushed update), by id.
func (s *Server) Users() []*User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int { return cmp.Compare(a.id, b.id) })
	return out
}

// ID is the citizen's Telegram user id, also the id of the private chat.
func (u *User) ID() int64 { return u.id }

// SetLanguage changes the language_code that later updates from this citizen
// carry, as when a citizen switches the Telegram app's language.
func (u *User) SetLanguage(code string) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.lang = code
}

// LanguageCode is the language_code the citizen's updates carry.
func (u *User) LanguageCode() string {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.lang
}

// SetBlocked makes the citizen block (true) or unblock the bot: while
// blocked, the bot's sends and edits to the chat fail with 403 "Forbidden:
// bot was blocked by the user".
func (u *User) SetBlocked(blocked bool) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.blocked = blocked
}

// Model is the citizen as the bot sees it in updates.
func (u *User) Model() models.User {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.model()
}

// model requires s.mu.
func (u *User) model() models.User {
	return models.User{
		ID:           u.id,
		FirstName:    u.firstName,
		Username:     u.username,
		LanguageCode: u.lang,
	}
}

// chatModel is the private chat as the bot sees it.
func (u *User) chatModel() models.Chat {
	return models.Chat{
		ID:        u.id,
		Type:      models.ChatTypePrivate,
		FirstName: u.firstName,
		Username:  u.username,
	}
}

// Send queues a text message from the citizen and returns its update_id. A
// text starting with "/" carries a bot_command entity over the command, as
// Telegram adds one.
func (u *User) Send(text string) int64 {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	m := &storedMessage{
		Message: Message{ID: c.nextID, Text: text, Plain: text},
		from:    u.model(),
		date:    int(s.now().Unix()),
	}
	c.nextID++
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		cmd, _, _ = strings.Cut(cmd, "\n")
		m.Entities = []models.MessageEntity{{
			Type:   models.MessageEntityTypeBotCommand,
			Length: len(utf16.Encode([]rune(cmd))),
		}}
	}
	c.msgs = append(c.msgs, m)
	if c.replyKbd != nil && c.replyKbd.OneTimeKeyboard {
		c.replyKbd = nil
	}
	s.emit(c.id, EventNew, m)
	return s.push(&models.Update{Message: s.messageModel(c, m)}, false)
}

// SendWait sends text and waits until the bot has confirmed the update.
func (u *User) SendWait(ctx context.Context, text string) error {
	return u.s.WaitConfirmed(ctx, u.Send(text))
}

// Tap taps the button labelled label on the latest bot message in the chat
// that has an inline keyboard, as the chat shows it now, queues the
// callback_query update and returns its update_id. The error names the
// buttons present when there is no such button or it is a URL button.
func (u *User) Tap(label string) (int64, error) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	var target *storedMessage
	for i := len(c.msgs) - 1; i >= 0 && target == nil; i-- {
		if m := c.msgs[i]; m.FromBot && len(m.Keyboard) > 0 {
			target = m
		}
	}
	if target == nil {
		return 0, fmt.Errorf("telegramtest: tap %q: no bot message with an inline keyboard in chat %d", label, c.id)
	}
	var labels []string
	for _, row := range target.Keyboard {
		for _, b := range row {
			if b.Text != label {
				labels = append(labels, b.Text)
				continue
			}
			if b.Data == "" {
				return 0, fmt.Errorf("telegramtest: tap %q on message %d: a URL button (%s) sends no callback", label, target.ID, b.URL)
			}
			return s.pushCallback(u, c, target.ID, b.Data), nil
		}
	}
	return 0, fmt.Errorf("telegramtest: tap %q: no such button on message %d; buttons: %q", label, target.ID, labels)
}

// TapWait taps the button labelled label and waits until the bot has
// confirmed the update.
func (u *User) TapWait(ctx context.Context, label string) error {
	id, err := u.Tap(label)
	if err != nil {
		return err
	}
	return u.s.WaitConfirmed(ctx, id)
}

// TapData queues a callback_query with exactly data on message messageID,
// whatever its keyboard shows now (a stale keyboard, a forged tap), and
// returns its update_id. A deleted or unknown message is sent as an
// inaccessible message, as Telegram does.
func (u *User) TapData(messageID int, data string) int64 {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushCallback(u, s.chats[u.id], messageID, data)
}

// pushCallback queues a callback query; s.mu must be held.
func (s *Server) pushCallback(u *User, c *chat, messageID int, data string) int64 {
	s.nextQuery++
	id := strconv.FormatInt(4000000000000000000+s.nextQuery, 10)
	s.callbacks[id] = &callbackQuery{chatID: c.id, messageID: messageID}
	// The update is written by hand around the message's JSON, kept from
	// when it was sent or last edited (see messageJSON), rather than
	// encoding the message again for every tap.
	var message json.RawMessage
	if m := c.find(messageID); m != nil {
		message = s.messageJSON(c, m)
	} else {
		message = mustMarshal(&models.InaccessibleMessage{Chat: u.chatModel(), MessageID: messageID})
	}
	rest := mustMarshal(&struct {
		ID           string      `json:"id"`
		From         models.User `json:"from"`
		ChatInstance string      `json:"chat_instance"`
		Data         string      `json:"data"`
	}{id, u.model(), strconv.FormatInt(-(c.id*7919 + 104729), 10), data})
	updateID, _ := s.updateID(0)
	raw := make([]byte, 0, len(message)+len(rest)+64)
	raw = fmt.Appendf(raw, `{"update_id":%d,"callback_query":{"message":`, updateID)
	raw = append(raw, message...)
	raw = append(raw, ',')
	raw = append(raw, rest[1:]...) // its fields, and the closing brace
	raw = append(raw, '}')
	s.enqueue(&queuedUpdate{id: updateID, raw: raw, chat: c.id})
	return updateID
}

// mustMarshal encodes v. It fails only for a malformed model (a
// MaybeInaccessibleMessage of no known type), which is a bug in the test
// or the fake that built it.
func mustMarshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal %T: %v", v, err))
	}
	return data
}

// Messages returns the chat as the citizen sees it now, oldest first.
func (u *User) Messages() []Message {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	out := make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		out = append(out, m.view())
	}
	return out
}

// Last returns the bot's latest message in the chat, or the zero Message if
// the bot has sent none.
func (u *User) Last() Message {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].FromBot {
			return c.msgs[i].view()
		}
	}
	return Message{}
}

// LastCallbackAnswer returns the text of the bot's latest answer to one of
// the citizen's taps; ok is false if the bot has answered none.
func (u *User) LastCallbackAnswer() (text string, ok bool) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	return c.lastAnswer, c.hasAnswer
}

// ReplyKeyboard returns the labels of the reply keyboard the chat shows now
// (sent with a ReplyKeyboardMarkup), or nil when there is none.
func (u *User) ReplyKeyboard() [][]string {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[u.id]
	if c.replyKbd == nil {
		return nil
	}
	var out [][]string
	for _, row := range c.replyKbd.Keyboard {
		var labels []string
		for _, b := range row {
			labels = append(labels, b.Text)
		}
		out = append(out, labels)
	}
	return out
}

// Commands returns the command menu the citizen sees, resolved as Telegram
// does from the scopes and languages set with setMyCommands.
func (u *User) Commands() []models.BotCommand {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resolveCommands(u.id, u.lang)
}

// messageJSON is m as the Bot API returns it, in JSON; s.mu must be held.
func (s *Server) messageJSON(c *chat, m *storedMessage) json.RawMessage {
	if m.raw == nil {
		m.raw = mustMarshal(s.messageModel(c, m))
	}
	return m.raw
}

// messageModel renders m as the Bot API returns it; s.mu must be held.
func (s *Server) messageModel(c *chat, m *storedMessage) *models.Message {
	from := m.from
	mm := &models.Message{
		ID:          m.ID,
		From:        &from,
		Date:        m.date,
		Chat:        c.user.chatModel(),
		EditDate:    m.editDate,
		ReplyMarkup: m.markup,
	}
	if m.document != nil || m.photo != nil {
		mm.Document = m.document
		mm.Photo = m.photo
		mm.Caption = m.Plain
		mm.CaptionEntities = m.Entities
	} else {
		mm.Text = m.Plain
		mm.Entities = m.Entities
	}
	return mm
}
