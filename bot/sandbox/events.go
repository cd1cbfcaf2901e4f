package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// keepAlive is how often an idle event stream gets a comment, so proxies
// and browsers keep it open.
const keepAlive = 15 * time.Second

// event is a change in the chat as the page receives it; the SSE event name
// is Kind.
type event struct {
	Kind string `json:"kind"`
	// Message is the message after the change (before it, for a delete).
	Message message `json:"message"`
	// Text and ShowAlert are the bot's answer to a tap.
	Text      string `json:"text,omitempty"`
	ShowAlert bool   `json:"show_alert,omitempty"`
}

// events streams the chat's changes as Server-Sent Events until the client
// goes away or the fake server closes. The page re-reads /chat each time the
// stream (re)opens, since events are dropped for a client that falls far
// behind.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	u, err := h.userParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ch, cancel := h.srv.Subscribe(u.ID())
	defer cancel()

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case ev, ok := <-ch:
			if !ok {
				return
			}
			data, err := json.Marshal(eventView(u, ev))
			if err != nil {
				return
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, data)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// eventView turns a telegramtest event into what the page receives.
func eventView(u *telegramtest.User, ev telegramtest.Event) event {
	e := event{Kind: ev.Kind, Text: ev.Text, ShowAlert: ev.ShowAlert}
	if ev.Message.ID != 0 {
		e.Message = view(u, ev.Message)
	}
	return e
}
