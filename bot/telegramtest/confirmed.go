package telegramtest

// Confirmed reports, without waiting, whether the bot has confirmed the
// update with the given id (a getUpdates with a greater offset). An id never
// issued is not confirmed. Many simulated citizens can poll it cheaply, where
// each WaitConfirmed would wake on every change of the queue.
func (s *Server) Confirmed(updateID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return updateID > 0 && updateID <= s.lastUpdate && s.pending[updateID] == 0
}
