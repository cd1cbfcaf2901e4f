package bot

import (
	"encoding/json"

	"github.com/go-telegram/bot/models"
)

// inUpdate is an update as the bot reads it from Telegram. Of the message
// under a tapped button it reads only what the bot uses (its id, date and
// chat), not its text and keyboard: they are most of a tap's bytes, and
// go-telegram/bot's models decode that message three times over.
type inUpdate struct {
	models.Update
	CallbackQuery *inCallback `json:"callback_query,omitempty"`
}

type inCallback struct {
	models.CallbackQuery
	Message *inMessage `json:"message,omitempty"`
}

// inMessage is what the bot reads of the message under a tapped button.
type inMessage struct {
	ID   int         `json:"message_id"`
	Date int         `json:"date"`
	Chat models.Chat `json:"chat"`
}

// update returns in as go-telegram/bot's model. A message with no date is
// one the bot can no longer reach, as Telegram marks it.
func (in *inUpdate) update() *models.Update {
	u := in.Update
	if c := in.CallbackQuery; c != nil {
		q := c.CallbackQuery
		switch m := c.Message; {
		case m == nil:
		case m.Date == 0:
			q.Message = models.MaybeInaccessibleMessage{
				Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
				InaccessibleMessage: &models.InaccessibleMessage{Chat: m.Chat, MessageID: m.ID},
			}
		default:
			q.Message = models.MaybeInaccessibleMessage{
				Type:    models.MaybeInaccessibleMessageTypeMessage,
				Message: &models.Message{ID: m.ID, Date: m.Date, Chat: m.Chat},
			}
		}
		u.CallbackQuery = &q
	}
	return &u
}

// decodeUpdate reads one update.
func decodeUpdate(data []byte) (*models.Update, error) {
	var in inUpdate
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	return in.update(), nil
}
