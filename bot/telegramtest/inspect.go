package telegramtest

// Cheap looks at the server's state, for tests that drive many updates at
// once (a crowd of simulated citizens, a fuzzer) and cannot afford to block
// in WaitConfirmed or copy every call each time.

// Confirmed reports, without waiting, whether the bot has confirmed the
// update with the given id (a getUpdates with a greater offset). An id never
// issued is not confirmed. Many simulated citizens can poll it cheaply, where
// each WaitConfirmed would wake on every change of the queue.
func (s *Server) Confirmed(updateID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return updateID > 0 && updateID <= s.lastUpdate && s.pending[updateID] == 0
}

// CallsSince returns the calls recorded after the first n, in order (n is
// typically an earlier CallCount("")).
func (s *Server) CallsSince(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 {
		n = 0
	}
	if n >= len(s.calls) {
		return nil
	}
	out := make([]Call, len(s.calls)-n)
	copy(out, s.calls[n:])
	return out
}
