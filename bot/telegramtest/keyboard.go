package telegramtest

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/go-telegram/bot/models"
)

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// maxButtons is Telegram's limit on the buttons of one keyboard.
const maxButtons = 100

// replyMarkup is a parsed reply_markup parameter: exactly one field is set.
type replyMarkup struct {
	inline     *models.InlineKeyboardMarkup
	reply      *models.ReplyKeyboardMarkup
	remove     bool
	forceReply bool
}

// markups keeps reply_markup parameters already parsed, by their JSON text.
// A bot sends the same keyboards again and again (a question's, in each
// language), and parsing them was a good part of the fake's work under
// load. Parsed markups are never changed, so they are shared.
var markups struct {
	sync.Mutex
	parsed map[string]*replyMarkup
}

// maxMarkups bounds markups: past it, it starts again empty.
const maxMarkups = 4096

// parseReplyMarkup parses and validates a reply_markup parameter as Telegram
// does; an empty string gives nil.
func parseReplyMarkup(raw string) (*replyMarkup, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	markups.Lock()
	rm, ok := markups.parsed[raw]
	markups.Unlock()
	if ok {
		return rm, nil
	}
	rm, aerr := parseMarkup(raw)
	if aerr != nil {
		return nil, aerr
	}
	markups.Lock()
	if len(markups.parsed) >= maxMarkups || markups.parsed == nil {
		markups.parsed = make(map[string]*replyMarkup)
	}
	markups.parsed[raw] = rm
	markups.Unlock()
	return rm, nil
}

// parseMarkup parses and validates a reply_markup that is not empty.
func parseMarkup(raw string) (*replyMarkup, *apiError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	switch {
	case obj["inline_keyboard"] != nil:
		var m models.InlineKeyboardMarkup
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, badRequest("can't parse inline keyboard button: %v", err)
		}
		if err := validateInlineKeyboard(&m); err != nil {
			return nil, err
		}
		if len(m.InlineKeyboard) == 0 {
			return &replyMarkup{}, nil
		}
		return &replyMarkup{inline: &m}, nil
	case obj["keyboard"] != nil:
		var m models.ReplyKeyboardMarkup
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, badRequest("can't parse keyboard button: %v", err)
		}
		n := 0
		for _, row := range m.Keyboard {
			for _, b := range row {
				n++
				if b.Text == "" {
					return nil, badRequest("can't parse keyboard button: Text must be non-empty")
				}
			}
		}
		if n > maxButtons {
			return nil, badRequest("REPLY_MARKUP_TOO_LONG")
		}
		return &replyMarkup{reply: &m}, nil
	case obj["remove_keyboard"] != nil:
		return &replyMarkup{remove: true}, nil
	case obj["force_reply"] != nil:
		return &replyMarkup{forceReply: true}, nil
	}
	return nil, badRequest("can't parse reply keyboard markup JSON object")
}

// validateInlineKeyboard checks the buttons the way Telegram does, and one
// way stricter: a button must have exactly one action, where Telegram would
// silently use the url and drop callback_data.
func validateInlineKeyboard(m *models.InlineKeyboardMarkup) *apiError {
	n := 0
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			n++
			if b.Text == "" {
				return badRequest("can't parse inline keyboard button: Text must be non-empty")
			}
			actions := 0
			for _, set := range []bool{
				b.URL != "", b.CallbackData != "", b.WebApp != nil, b.LoginURL != nil,
				b.SwitchInlineQuery != "", b.SwitchInlineQueryCurrentChat != "",
				b.SwitchInlineQueryChosenChat != nil, b.CopyText.Text != "",
				b.CallbackGame != nil, b.Pay,
			} {
				if set {
					actions++
				}
			}
			switch {
			case actions == 0:
				return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			case actions > 1:
				return badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used (button %q)", b.Text)
			}
			if len(b.CallbackData) > maxCallbackData {
				return badRequest("BUTTON_DATA_INVALID")
			}
			if b.URL != "" && !validButtonURL(b.URL) {
				return badRequest("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", b.URL)
			}
		}
	}
	if n > maxButtons {
		return badRequest("REPLY_MARKUP_TOO_LONG")
	}
	return nil
}

// validButtonURL accepts the URLs Telegram opens from a button: http(s) with
// a host, and tg:// links.
func validButtonURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return true
	}
	return false
}

// buttons converts an inline keyboard to the citizen's view.
func buttons(m *models.InlineKeyboardMarkup) [][]Button {
	if m == nil {
		return nil
	}
	var out [][]Button
	for _, row := range m.InlineKeyboard {
		var r []Button
		for _, b := range row {
			r = append(r, Button{Text: b.Text, Data: b.CallbackData, URL: b.URL})
		}
		out = append(out, r)
	}
	return out
}

// sameMarkup reports whether two inline keyboards are identical, for
// Telegram's "message is not modified".
func sameMarkup(a, b *models.InlineKeyboardMarkup) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a.InlineKeyboard, b.InlineKeyboard)
}
