package sandbox_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	name string
	data struct {
		Kind    string `json:"kind"`
		Message struct {
			ID      int    `json:"id"`
			FromBot bool   `json:"from_bot"`
			Plain   string `json:"plain"`
			Edits   int    `json:"edits"`
		} `json:"message"`
		Text      string `json:"text"`
		ShowAlert bool   `json:"show_alert"`
	}
}

// stream opens the event stream of user; next reads its next event.
func (e *env) stream(user string) (next func() sseEvent) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx(), http.MethodGet, e.web.URL+"/events?user="+user, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/event-stream" {
		e.t.Fatalf("GET /events = %d %s, want 200 text/event-stream", res.StatusCode, ct)
	}
	r := bufio.NewReader(res.Body)
	return func() sseEvent {
		e.t.Helper()
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				e.t.Fatalf("event stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && ev.name != "":
				return ev
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
					e.t.Fatalf("event data %q: %v", line, err)
				}
			}
		}
	}
}

func TestEventsFollowTheChat(t *testing.T) {
	e := newEnv(t)
	e.post("/persona", map[string]any{"user": 1001, "language": "es"})
	next := e.stream("1001")
	other := e.stream("2002")

	e.post("/send", map[string]any{"user": 1001, "text": "hola"})
	if ev := next(); ev.name != "new" || ev.data.Message.FromBot || ev.data.Message.Plain != "hola" {
		t.Errorf("after the citizen's message: %+v, want a new message from the citizen", ev)
	}

	m := e.say(1001, "¿Vio la <b>sesión</b>?", &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Sí", CallbackData: "yes"}},
	}})
	ev := next()
	if ev.name != "new" || ev.data.Kind != "new" || !ev.data.Message.FromBot || ev.data.Message.Plain != "¿Vio la sesión?" {
		t.Errorf("after the bot's message: %+v, want it as a new bot message", ev)
	}

	ctx := e.ctx()
	if _, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1001, MessageID: m.ID, Text: "¿Qué tan satisfecho está?"}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.name != "edit" || ev.data.Message.ID != m.ID || ev.data.Message.Edits != 1 {
		t.Errorf("after an edit: %+v, want an edit of message %d", ev, m.ID)
	}

	e.post("/tap", map[string]any{"user": 1001, "message_id": m.ID, "data": "yes"})
	q := e.updates()[1].CallbackQuery
	if _, err := e.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "Guardado", ShowAlert: true}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.name != "callback_answer" || ev.data.Text != "Guardado" || !ev.data.ShowAlert {
		t.Errorf("after the answer to a tap: %+v, want an alert saying Guardado", ev)
	}

	if _, err := e.bot.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: 1001, MessageID: m.ID}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.name != "delete" || ev.data.Message.ID != m.ID {
		t.Errorf("after a delete: %+v, want the deletion of message %d", ev, m.ID)
	}

	e.say(2002, "hello", nil)
	if ev := other(); ev.data.Message.Plain != "hello" {
		t.Errorf("the other citizen's stream got %+v, want only their own chat's hello", ev)
	}
}
