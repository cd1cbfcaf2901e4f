package bot

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// snapshot is what a citizen's update may change: their stored record, their
// response, the reference consultation, and the chat as they see it.
type snapshot struct {
	citizen  *consultations.Citizen
	response *consultations.Response
	status   consultations.Status
	chat     []string
}

func (c *citizen) snapshot() snapshot {
	c.h.t.Helper()
	s := snapshot{response: c.responseOrNil(), status: c.h.consultation(reference).Status}
	if got, err := c.h.store.Citizen(context.Background(), c.ID()); err == nil {
		s.citizen = got
	}
	for _, m := range c.Messages() {
		s.chat = append(s.chat, m.Plain)
	}
	return s
}

// Forged button data (what a modified client can send) is answered, so no
// spinner keeps turning, and changes nothing: not the citizen's record,
// their response, a consultation, nor the chat.
func TestForgedCallbacksChangeNothing(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(5001, "es")
	ana.send("/start " + reference)
	ana.tap("Comenzar", "Sí")
	q := ana.Last() // question 2, satisfaction
	key := slugKey(reference)
	tests := []struct {
		name, data string
		notice     string // what the tap's answer says, if anything
	}{
		{"unknown action", "zz:1", ""},
		{"too few arguments", "a:satisfaction", ""},
		{"too many arguments", "a:satisfaction:4:5", ""},
		{"oversized", "a:satisfaction:" + strings.Repeat("9", 70), ""},
		{"empty", "", ""},
		{"value out of range", "a:satisfaction:99", ""},
		{"not a number", "a:satisfaction:x", ""},
		{"option of another kind", "t:satisfaction:0", ""},
		{"another question", "a:recommend:9", "Ese botón ya no está activo"},
		{"unknown language", "l:de", ""},
		{"staff action from a citizen", encodeCallback(actLifecycle, opClose, key), "este comando es para el personal"},
		{"staff export from a citizen", encodeCallback(actExportRun, key, "csv"), "este comando es para el personal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ana.snapshot()
			id := ana.TapData(q.ID, tt.data)
			if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
				t.Fatal(err)
			}
			if n := ana.PendingTaps(); n != 0 {
				t.Errorf("%d taps left unanswered (a spinner keeps turning)", n)
			}
			if answer, _ := ana.LastCallbackAnswer(); !strings.Contains(answer, tt.notice) {
				t.Errorf("tap answered %q, want it to contain %q", answer, tt.notice)
			}
			if after := ana.snapshot(); !reflect.DeepEqual(before, after) {
				t.Errorf("a forged tap changed something:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	if n := len(h.srv.Calls("sendDocument")); n != 0 {
		t.Errorf("%d documents sent to a citizen", n)
	}
	ana.tap("4 🙂") // the real buttons still work
	ana.sees("Pregunta 3 de 6")
}

// A button whose consultation key matches nothing (deleted, or made up)
// changes nothing stored and says the consultation is not available.
func TestStaleConsultationKey(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(5002, "es")
	ana.send("/start")
	before := ana.snapshot()
	id := ana.TapData(ana.Last().ID, encodeCallback(actBegin, "zzzzzzzzzzzz"))
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if n := ana.PendingTaps(); n != 0 {
		t.Errorf("%d taps left unanswered", n)
	}
	ana.sees("no está recibiendo respuestas en este momento")
	after := ana.snapshot()
	if !reflect.DeepEqual(before.citizen, after.citizen) || after.response != nil {
		t.Errorf("a stale key changed the citizen: %+v -> %+v, response %+v", before.citizen, after.citizen, after.response)
	}
}

// A tap on a message Telegram no longer shows the bot (deleted, or too old)
// is answered and ignored.
func TestTapOnAnInaccessibleMessage(t *testing.T) {
	h := newHarness(t)
	ana := h.citizen(5003, "es")
	ana.send("/help")
	before := ana.snapshot()
	id := ana.TapData(9999, encodeCallback(actList))
	if err := h.srv.WaitConfirmed(ana.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if n := ana.PendingTaps(); n != 0 {
		t.Errorf("%d taps left unanswered", n)
	}
	if after := ana.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("a tap on an inaccessible message changed something")
	}
}

// Groups and channels: a command gets a pointer to a private chat, other
// messages and channel posts get nothing, a button under a group message is
// answered with the pointer; no citizen is stored, and each update is
// recorded so Telegram doesn't send it again.
func TestGroupsAndChannelsChangeNothing(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, raw string
		sends     int    // messages sent to the group
		answer    string // the tap's answer, for a callback
	}{
		{"group message", `{"message":{"message_id":7,"date":1765378800,"chat":{"id":-4001,"type":"group","title":"Barrio"},"from":{"id":6001,"is_bot":false,"first_name":"Luis","language_code":"es"},"text":"hola a todos"}}`, 0, ""},
		{"group command", `{"message":{"message_id":8,"date":1765378800,"chat":{"id":-4001,"type":"group","title":"Barrio"},"from":{"id":6002,"is_bot":false,"first_name":"Eva","language_code":"pt-BR"},"text":"/start@parlabot livestream-2026","entities":[{"type":"bot_command","offset":0,"length":15}]}}`, 1, ""},
		{"supergroup command", `{"message":{"message_id":9,"date":1765378800,"chat":{"id":-1004001,"type":"supergroup","title":"Vecinos"},"from":{"id":6003,"is_bot":false,"first_name":"Ana","language_code":"es"},"text":"/help","entities":[{"type":"bot_command","offset":0,"length":5}]}}`, 1, ""},
		{"channel post", `{"channel_post":{"message_id":3,"date":1765378800,"chat":{"id":-1009001,"type":"channel","title":"Noticias"},"text":"/start"}}`, 0, ""},
		{"button under a group message", `{"callback_query":{"id":"777","from":{"id":6004,"is_bot":false,"first_name":"Rui","language_code":"pt-BR"},"chat_instance":"1","data":"g:` + slugKey(reference) + `","message":{"message_id":10,"date":1765378800,"chat":{"id":-4001,"type":"group","title":"Barrio"},"text":"x"}}}`, 0, "conversas privadas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sendsBefore := len(h.srv.Calls("sendMessage"))
			id, err := h.srv.PushRaw([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := h.srv.WaitConfirmed(ctx, id); err != nil {
				t.Fatal(err)
			}
			sends := h.srv.Calls("sendMessage")[sendsBefore:]
			if len(sends) != tt.sends {
				t.Errorf("%d messages sent, want %d", len(sends), tt.sends)
			}
			for _, c := range sends {
				if !strings.Contains(c.Params["text"], "privad") || !strings.HasPrefix(c.Params["chat_id"], "-") {
					t.Errorf("sent %q to %s, want a pointer to a private chat, in the group", c.Params["text"], c.Params["chat_id"])
				}
			}
			if tt.answer != "" {
				answers := h.srv.Calls("answerCallbackQuery")
				if len(answers) == 0 || answers[len(answers)-1].Params["callback_query_id"] != "777" || !strings.Contains(answers[len(answers)-1].Params["text"], tt.answer) {
					t.Errorf("the tap was not answered with %q: %v", tt.answer, answers)
				}
			}
			for _, uid := range []int64{6001, 6002, 6003, 6004} {
				if _, err := h.store.Citizen(ctx, uid); consultations.ErrorCode(err) != consultations.ENOTFOUND {
					t.Errorf("citizen %d stored (err %v)", uid, err)
				}
			}
			if seen, err := h.store.UpdateSeen(ctx, id); err != nil || !seen {
				t.Errorf("update recorded = %v (err %v), want true", seen, err)
			}
		})
	}
	if n, err := h.store.CountCompleted(context.Background(), reference); err != nil || n != 0 {
		t.Errorf("%d responses (err %v), want none", n, err)
	}
}
