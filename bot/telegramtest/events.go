package telegramtest

// Kinds of Event.
const (
	// EventNew is a new message in the chat, from the bot or the citizen.
	EventNew = "new"
	// EventEdit is an edit of a message's text, caption or keyboard.
	EventEdit = "edit"
	// EventDelete is the deletion of a message; Event.Message is the message
	// as it was.
	EventDelete = "delete"
	// EventCallbackAnswer is the bot's answer to a tap; Event.Message is the
	// tapped message (zero if unknown) and Event.Text the answer.
	EventCallbackAnswer = "callback_answer"
)

// subscriberBuffer is how many events a subscriber may fall behind before
// events for it are dropped.
const subscriberBuffer = 256

// Event is a change in a chat, as an observer such as the sandbox's web chat
// needs it to keep its view current.
type Event struct {
	// ChatID is the private chat's id (the citizen's user id).
	ChatID int64
	// Kind is EventNew, EventEdit, EventDelete or EventCallbackAnswer.
	Kind string
	// Message is the message concerned, as the citizen sees it after the
	// change.
	Message Message
	// Text is the answer's text, for EventCallbackAnswer.
	Text string
	// ShowAlert tells an alert from a toast, for EventCallbackAnswer.
	ShowAlert bool
}

type subscriber struct {
	chatID int64
	ch     chan Event
}

// Subscribe streams the changes of the chat with chatID (of every chat when
// chatID is 0) until the returned cancel function is called or the server
// closes; both close the channel. Sending never blocks the server: when the
// subscriber falls behind by more than a buffer's worth, events are dropped,
// so an observer that must be exact re-reads User.Messages.
func (s *Server) Subscribe(chatID int64) (<-chan Event, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &subscriber{chatID: chatID, ch: make(chan Event, subscriberBuffer)}
	select {
	case <-s.done:
		close(sub.ch)
		return sub.ch, func() {}
	default:
	}
	s.nextSub++
	id := s.nextSub
	s.subs[id] = sub
	cancel := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[id]; ok {
			delete(s.subs, id)
			close(sub.ch)
		}
	}
	return sub.ch, cancel
}

// emit sends an event about m to the chat's subscribers; s.mu must be held.
func (s *Server) emit(chatID int64, kind string, m *storedMessage) {
	if len(s.subs) == 0 && len(s.observers) == 0 {
		return // nobody to tell: spare the copy
	}
	ev := Event{ChatID: chatID, Kind: kind}
	if m != nil {
		ev.Message = m.view()
	}
	s.send(ev)
}

// send delivers ev to the observers, and to the subscribers without
// blocking; s.mu must be held.
func (s *Server) send(ev Event) {
	for _, o := range s.observers {
		if o.Event != nil {
			o.Event(ev)
		}
	}
	for _, sub := range s.subs {
		if sub.chatID != 0 && sub.chatID != ev.ChatID {
			continue
		}
		select {
		case sub.ch <- ev:
		default:
		}
	}
}
