package telegramtest

import "time"

// MessageDates returns when the message with messageID was sent and when it
// was last edited (zero if never), by the server's clock (see SetNow), as
// Telegram's date and edit_date give them; ok is false when the chat has no
// such message. A renderer such as the sandbox's web chat shows them under
// each bubble.
func (u *User) MessageDates(messageID int) (sent, edited time.Time, ok bool) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.chats[u.id].find(messageID)
	if m == nil {
		return time.Time{}, time.Time{}, false
	}
	sent = time.Unix(int64(m.date), 0)
	if m.editDate != 0 {
		edited = time.Unix(int64(m.editDate), 0)
	}
	return sent, edited, true
}
