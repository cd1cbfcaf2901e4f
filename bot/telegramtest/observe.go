package telegramtest

// Observer is told what happens on the server as it happens: a load test
// that plays thousands of citizens sees every reaction of the bot, when it
// arrives, without the losses of Subscribe or the cost of Calls. The
// functions are called with the server's lock held, in the order things
// happen: they must return quickly and must not call the Server.
type Observer struct {
	// Event, if set, is called with every change of every chat, as
	// Subscribe streams them (a citizen's own messages included).
	Event func(Event)
	// Confirmed, if set, is called once the bot has confirmed an update:
	// by a getUpdates with a greater offset, or by answering the webhook's
	// request with 2xx.
	Confirmed func(updateID int64)
}

// Observe has o told of every change from now until the returned cancel
// function is called or the server closes.
func (s *Server) Observe(o Observer) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextObserver++
	id := s.nextObserver
	s.observers[id] = &o
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.observers, id)
	}
}

// RecordCalls turns the recording of calls and webhook deliveries on (the
// default) or off. Calls, CallCount and Deliveries see only what was
// recorded; with recording off the server's memory stays flat however many
// calls the bot makes, as a load test needs.
func (s *Server) RecordCalls(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noRecord = !on
}

// settle counts one entry of the update id as confirmed and tells the
// observers once none is left; s.mu must be held.
func (s *Server) settle(id int64) {
	s.pending[id]--
	if s.pending[id] > 0 {
		return
	}
	delete(s.pending, id)
	for _, o := range s.observers {
		if o.Confirmed != nil {
			o.Confirmed(id)
		}
	}
}
