package boltstore

import (
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parlabot/parlabot/consultations"
)

// The records in codec.go define how citizens, sessions and responses are
// stored, and are what reads decode with encoding/json. Commits encode them
// with the functions below instead, which write exactly what json.Marshal
// would write for the records, byte for byte (TestEncodeMatchesJSON), but
// without reflection: every answer encodes a response and a session, and
// json.Marshal took a quarter of the processor time of a commit.

// encodeCitizen encodes the two parts of a citizen: their record (a
// citizenRecord), kept under their user id after the sequence number of
// their session (see citizenValue), and their session (a sessionRecord),
// nil when they are in none.
func encodeCitizen(c *consultations.Citizen) (citizen, session []byte, err error) {
	e := encoder{b: make([]byte, 0, 128)}
	e.begin()
	e.field("user_id")
	e.int(c.UserID)
	if c.ChatID != 0 {
		e.field("chat_id")
		e.int(c.ChatID)
	}
	if c.Language != "" {
		e.field("language")
		e.string(c.Language)
	}
	if c.LanguageChosen {
		e.field("language_chosen")
		e.b = append(e.b, "true"...)
	}
	if !c.Created.IsZero() {
		e.field("created")
		e.time(c.Created)
	}
	if c.Username != "" {
		e.field("username")
		e.string(c.Username)
	}
	if c.Subscribed {
		e.field("subscribed")
		e.b = append(e.b, "true"...)
	}
	if c.SubscribeAsked {
		e.field("subscribe_asked")
		e.b = append(e.b, "true"...)
	}
	if w := c.Wizard; w != nil {
		e.field("wizard")
		e.begin()
		e.field("kind")
		e.string(w.Kind)
		if w.Step != "" {
			e.field("step")
			e.string(w.Step)
		}
		if w.Data != nil {
			e.field("data")
			e.begin()
			for _, k := range slices.Sorted(maps.Keys(w.Data)) {
				e.key(k)
				e.string(w.Data[k])
			}
			e.end()
		}
		if w.MessageID != 0 {
			e.field("message_id")
			e.int(int64(w.MessageID))
		}
		e.end()
	}
	if !c.Consented.IsZero() {
		e.field("consented")
		e.time(c.Consented)
	}
	e.end()
	if e.err != nil {
		return nil, nil, e.err
	}
	if c.Session == nil {
		return e.b, nil, nil
	}
	session, err = encodeSession(c.Session)
	return e.b, session, err
}

// encodeSession encodes a session as a sessionRecord.
func encodeSession(s *consultations.Session) ([]byte, error) {
	e := encoder{b: make([]byte, 0, 128+16*len(s.Trail))}
	e.begin()
	e.field("consultation")
	e.string(s.Consultation)
	if s.Question != "" {
		e.field("question")
		e.string(s.Question)
	}
	if s.Trail != nil {
		e.field("trail")
		e.strings(s.Trail)
	}
	if s.Selected != nil {
		e.field("selected")
		e.strings(s.Selected)
	}
	if s.MessageID != 0 {
		e.field("message_id")
		e.int(int64(s.MessageID))
	}
	if !s.Started.IsZero() {
		e.field("started")
		e.time(s.Started)
	}
	e.end()
	return e.b, e.err
}

// encodeResponse encodes a response as a responseRecord.
func encodeResponse(r *consultations.Response) ([]byte, error) {
	e := encoder{b: make([]byte, 0, 256+64*len(r.Answers))}
	e.begin()
	if !r.Completed.IsZero() {
		e.field("completed")
		e.time(r.Completed)
	}
	e.field("consultation")
	e.string(r.Consultation)
	e.field("participant")
	e.string(r.Participant)
	if r.Language != "" {
		e.field("language")
		e.string(r.Language)
	}
	if !r.Started.IsZero() {
		e.field("started")
		e.time(r.Started)
	}
	if r.Answers != nil {
		e.field("answers")
		e.begin()
		var buf [16]string // question ids, sorted as encoding/json sorts map keys
		ids := buf[:0]
		for q := range r.Answers {
			ids = append(ids, q)
		}
		slices.Sort(ids)
		for _, q := range ids {
			a := r.Answers[q]
			e.key(q)
			e.begin()
			if a.Choices != nil {
				e.field("choices")
				e.strings(a.Choices)
			}
			if a.Number != 0 {
				e.field("number")
				e.int(int64(a.Number))
			}
			if a.Text != "" {
				e.field("text")
				e.string(a.Text)
			}
			e.end()
		}
		e.end()
	}
	if !r.Updated.IsZero() {
		e.field("updated")
		e.time(r.Updated)
	}
	e.end()
	return e.b, e.err
}

// encoder appends JSON to b and keeps the first error.
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) begin() { e.b = append(e.b, '{') }
func (e *encoder) end()   { e.b = append(e.b, '}') }

// field starts a field whose name needs no escaping.
func (e *encoder) field(name string) {
	e.comma()
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

// key starts a field whose name is data.
func (e *encoder) key(name string) {
	e.comma()
	e.string(name)
	e.b = append(e.b, ':')
}

// comma separates a field from the one before, if any.
func (e *encoder) comma() {
	if e.b[len(e.b)-1] != '{' {
		e.b = append(e.b, ',')
	}
}

func (e *encoder) int(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

func (e *encoder) string(s string) { e.b = appendString(e.b, s) }

func (e *encoder) strings(list []string) {
	e.b = append(e.b, '[')
	for i, s := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.string(s)
	}
	e.b = append(e.b, ']')
}

// time writes t as time.Time's MarshalJSON does.
func (e *encoder) time(t time.Time) {
	e.b = append(e.b, '"')
	b, err := t.AppendText(e.b)
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		b = e.b
	}
	e.b = append(b, '"')
}

// appendString appends s as a JSON string, escaped as encoding/json escapes
// it: quotes, backslashes and control characters, the HTML characters <, >
// and &, U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
