package telegramtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// Telegram's limits on bot commands.
const (
	maxCommands       = 100
	maxCommandDescLen = 256
)

var (
	commandName  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	languageCode = regexp.MustCompile(`^[a-z]{2}$`)
)

// scopeKey is the canonical key of a BotCommandScope JSON object: its type,
// then chat_id and user_id where the type has them ("default",
// "all_private_chats", "chat:42", "chat_member:-100:42").
func scopeKey(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "default", nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		return "", fmt.Errorf("can't parse BotCommandScope JSON object")
	}
	chatID := strings.Trim(string(sc.ChatID), `"`)
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, nil
	case "chat", "chat_administrators":
		if chatID == "" {
			return "", fmt.Errorf("chat_id is empty")
		}
		return sc.Type + ":" + chatID, nil
	case "chat_member":
		if chatID == "" || sc.UserID == 0 {
			return "", fmt.Errorf("chat_id or user_id is empty")
		}
		return fmt.Sprintf("chat_member:%s:%d", chatID, sc.UserID), nil
	}
	return "", fmt.Errorf("unsupported bot command scope type %q", sc.Type)
}

// commandsKey is the key of s.commands for a scope and a language.
func commandsKey(scope, lang string) string { return scope + "|" + lang }

// commandsTarget reads scope and language_code, shared by the *MyCommands
// methods.
func commandsTarget(r *request) (string, *apiError) {
	scope, err := scopeKey(r.params["scope"])
	if err != nil {
		return "", badRequest("%v", err)
	}
	lang := r.params["language_code"]
	if lang != "" && !languageCode.MatchString(lang) {
		return "", badRequest("invalid language code specified")
	}
	return commandsKey(scope, lang), nil
}

func (s *Server) setMyCommands(r *request) (any, *apiError) {
	key, aerr := commandsTarget(r)
	if aerr != nil {
		return nil, aerr
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(r.params["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > maxCommands {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf16Count(strings.TrimSpace(c.Description)); n == 0 || n > maxCommandDescLen {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func (s *Server) getMyCommands(r *request) (any, *apiError) {
	key, aerr := commandsTarget(r)
	if aerr != nil {
		return nil, aerr
	}
	return append([]models.BotCommand{}, s.commands[key]...), nil
}

func (s *Server) deleteMyCommands(r *request) (any, *apiError) {
	key, aerr := commandsTarget(r)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.commands, key)
	return true, nil
}

// Commands returns the commands the bot set for exactly this scope (nil
// means the default scope) and language code ("" for all languages), as
// getMyCommands would.
func (s *Server) Commands(scope models.BotCommandScope, languageCode string) []models.BotCommand {
	key := "default"
	if scope != nil {
		raw, err := scope.MarshalCustom()
		if err == nil {
			if k, err := scopeKey(string(raw)); err == nil {
				key = k
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[commandsKey(key, languageCode)]...)
}

// resolveCommands is the menu a private chat shows, in Telegram's order of
// precedence: the chat's scope, all private chats, default; each with the
// user's language first. s.mu must be held.
func (s *Server) resolveCommands(chatID int64, lang string) []models.BotCommand {
	lang, _, _ = strings.Cut(strings.ToLower(lang), "-")
	for _, scope := range []string{"chat:" + strconv.FormatInt(chatID, 10), "all_private_chats", "default"} {
		for _, l := range []string{lang, ""} {
			if cmds, ok := s.commands[commandsKey(scope, l)]; ok {
				return append([]models.BotCommand(nil), cmds...)
			}
		}
	}
	return nil
}
