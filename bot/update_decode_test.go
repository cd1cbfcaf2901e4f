package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/go-telegram/bot/models"
)

// The bot reads an update as go-telegram/bot would, except the text and
// keyboard of the message under a tapped button, which it never uses.
func TestDecodeUpdate(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"message", `{"update_id":7,"message":{"message_id":3,"date":1764950400,"chat":{"id":42,"type":"private"},
			"from":{"id":42,"is_bot":false,"first_name":"Ana","language_code":"pt-BR"},"text":"/start livestream-2026",
			"entities":[{"type":"bot_command","offset":0,"length":6}]}}`},
		{"tap", `{"update_id":8,"callback_query":{"id":"cb1","from":{"id":42,"is_bot":false,"first_name":"Ana","language_code":"pt-BR"},
			"message":{"message_id":5,"date":1764950401,"chat":{"id":42,"type":"private"},"from":{"id":1,"is_bot":true,"first_name":"parlabot"},
			"text":"Pergunta 1 de 6","reply_markup":{"inline_keyboard":[[{"text":"Sim","callback_data":"a:1:2:yes"}]]}},
			"chat_instance":"-77","data":"a:1:2:yes"}}`},
		{"tap on an inaccessible message", `{"update_id":9,"callback_query":{"id":"cb2","from":{"id":42,"is_bot":false,"first_name":"Ana"},
			"message":{"message_id":5,"date":0,"chat":{"id":42,"type":"private"}},"chat_instance":"-77","data":"a:1:2:yes"}}`},
		{"tap on an inline message", `{"update_id":10,"callback_query":{"id":"cb3","from":{"id":42,"is_bot":false,"first_name":"Ana"},
			"inline_message_id":"AAA","chat_instance":"-77","data":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeUpdate([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			var want models.Update
			if err := json.Unmarshal([]byte(tt.raw), &want); err != nil {
				t.Fatal(err)
			}
			if q := want.CallbackQuery; q != nil {
				// What the bot drops: all but the id, date and chat.
				if m := q.Message.Message; m != nil {
					q.Message.Message = &models.Message{ID: m.ID, Date: m.Date, Chat: m.Chat}
				}
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("decodeUpdate =\n%+v\nwant\n%+v", got, &want)
			}
			if q := got.CallbackQuery; q != nil && q.Message.Message != nil && q.Message.Message.Chat.ID != 42 {
				t.Errorf("the tapped message's chat is lost: %+v", q.Message.Message)
			}
		})
	}
	if _, err := decodeUpdate([]byte(`{"update_id":"x"}`)); err == nil {
		t.Error("a malformed update was read")
	}
}
