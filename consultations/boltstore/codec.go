package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// Keys and values as stored (see the package comment for where). Citizens,
// sessions and responses go through records with fixed JSON names, so
// renaming a domain field cannot orphan what citizens answered;
// consultations are stored as the domain struct, since a clerk can import
// them again from their file.

// u64 encodes n as an 8-byte big-endian key, so keys sort as numbers.
func u64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// readU64 decodes a value written by u64; nil or malformed is 0.
func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// userKey is the key of a citizen.
func userKey(userID int64) []byte { return u64(uint64(userID)) }

// updateKey is the key of a processed Telegram update.
func updateKey(updateID int64) []byte { return u64(uint64(updateID)) }

func encodeConsultation(c *consultations.Consultation) ([]byte, error) {
	return json.Marshal(c)
}

func decodeConsultation(b []byte) (*consultations.Consultation, error) {
	c := new(consultations.Consultation)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, err
	}
	return c, nil
}

// citizenRecord is the part of a citizen that seldom changes. It is stored
// apart from their session (a sessionRecord), which changes at every answer,
// so that an answer rewrites the session, next to the other sessions being
// answered, and not a page of the citizens bucket.
type citizenRecord struct {
	UserID         int64         `json:"user_id"`
	ChatID         int64         `json:"chat_id,omitzero"`
	Language       string        `json:"language,omitzero"`
	LanguageChosen bool          `json:"language_chosen,omitzero"`
	Created        time.Time     `json:"created,omitzero"`
	Username       string        `json:"username,omitzero"`
	Subscribed     bool          `json:"subscribed,omitzero"`
	SubscribeAsked bool          `json:"subscribe_asked,omitzero"`
	Wizard         *wizardRecord `json:"wizard,omitzero"`
	// Consented is when the citizen accepted the privacy notice. A record
	// written before notices existed has none: not consented.
	Consented time.Time `json:"consented,omitzero"`
}

// wizardRecord is a staff member's place in a guided dialogue. It is kept
// in the citizen record: staff are few, so rewriting it at each step costs
// little.
type wizardRecord struct {
	Kind      string            `json:"kind"`
	Step      string            `json:"step,omitzero"`
	Data      map[string]string `json:"data,omitzero"`
	MessageID int               `json:"message_id,omitzero"`
}

// sessionRecord is a stored session.
type sessionRecord struct {
	Consultation string    `json:"consultation"`
	Question     string    `json:"question,omitzero"`
	Trail        []string  `json:"trail,omitzero"`
	Selected     []string  `json:"selected,omitzero"`
	MessageID    int       `json:"message_id,omitzero"`
	Started      time.Time `json:"started,omitzero"`
}

// citizenValue is what is stored under a citizen's user id: the sequence
// number of their latest session (0: none yet), which is in the sessions
// bucket while it is in progress, and then the citizen record.
func citizenValue(seq uint64, citizen []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(citizen)), seq), citizen...)
}

// splitCitizen splits a value written by citizenValue.
func splitCitizen(v []byte) (seq uint64, citizen []byte, err error) {
	if len(v) < 8 {
		return 0, nil, fmt.Errorf("citizen value of %d bytes, want at least 8", len(v))
	}
	return binary.BigEndian.Uint64(v), v[8:], nil
}

// readCitizen decodes a value of the citizens bucket (see citizenValue)
// into the citizen, without their session, and their session's number.
func readCitizen(v []byte) (seq uint64, c *consultations.Citizen, err error) {
	seq, citizen, err := splitCitizen(v)
	if err == nil {
		c, err = decodeCitizen(citizen, nil)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("decode citizen: %w", err)
	}
	return seq, c, nil
}

// decodeCitizen decodes a citizen record and, unless nil, their session.
func decodeCitizen(citizen, session []byte) (*consultations.Citizen, error) {
	var r citizenRecord
	if err := json.Unmarshal(citizen, &r); err != nil {
		return nil, err
	}
	c := &consultations.Citizen{
		UserID:         r.UserID,
		ChatID:         r.ChatID,
		Language:       r.Language,
		LanguageChosen: r.LanguageChosen,
		Created:        r.Created,
		Username:       r.Username,
		Subscribed:     r.Subscribed,
		SubscribeAsked: r.SubscribeAsked,
		Consented:      r.Consented,
	}
	if w := r.Wizard; w != nil {
		c.Wizard = &consultations.Wizard{Kind: w.Kind, Step: w.Step, Data: w.Data, MessageID: w.MessageID}
	}
	if session != nil {
		var s sessionRecord
		if err := json.Unmarshal(session, &s); err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
		c.Session = &consultations.Session{
			Consultation: s.Consultation,
			Question:     s.Question,
			Trail:        s.Trail,
			Selected:     s.Selected,
			MessageID:    s.MessageID,
			Started:      s.Started,
		}
	}
	return c, nil
}

// responseRecord is a stored response. Completed comes first, so whether a
// response is completed shows in its first bytes (see responseCompleted).
type responseRecord struct {
	Completed    time.Time               `json:"completed,omitzero"`
	Consultation string                  `json:"consultation"`
	Participant  string                  `json:"participant"`
	Language     string                  `json:"language,omitzero"`
	Started      time.Time               `json:"started,omitzero"`
	Answers      map[string]answerRecord `json:"answers,omitzero"`
	Updated      time.Time               `json:"updated,omitzero"`
}

type answerRecord struct {
	Choices []string `json:"choices,omitzero"`
	Number  int      `json:"number,omitzero"`
	Text    string   `json:"text,omitzero"`
}

// decodeResponseJSON decodes a stored response with encoding/json, the
// definition of what responseDecoder reads (see decode.go).
func decodeResponseJSON(b []byte) (*consultations.Response, error) {
	var rec responseRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	r := &consultations.Response{
		Consultation: rec.Consultation,
		Participant:  rec.Participant,
		Language:     rec.Language,
		Started:      rec.Started,
		Completed:    rec.Completed,
		Updated:      rec.Updated,
	}
	if rec.Answers != nil {
		r.Answers = make(map[string]consultations.Answer, len(rec.Answers))
		for q, a := range rec.Answers {
			r.Answers[q] = consultations.Answer(a)
		}
	}
	return r, nil
}

// Beginnings of encoded responses: encoding/json writes fields in order and
// leaves out a zero Completed.
var (
	completedPrefix  = []byte(`{"completed":`)
	inProgressPrefix = []byte(`{"consultation":`)
)

// responseCompleted reads only whether a stored response is completed, which
// is all a commit needs to keep the counter right. It runs inside the write
// transaction, once per commit, so it looks at the first bytes and decodes
// only what it does not recognise.
func responseCompleted(b []byte) (bool, error) {
	switch {
	case bytes.HasPrefix(b, completedPrefix):
		return true, nil
	case bytes.HasPrefix(b, inProgressPrefix):
		return false, nil
	}
	var rec struct {
		Completed time.Time `json:"completed,omitzero"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return false, err
	}
	return !rec.Completed.IsZero(), nil
}

// responseChoices reads only which questions a stored response answers and
// the options it chose, which is all a consultation's Usage needs.
func responseChoices(b []byte) (map[string][]string, error) {
	var rec struct {
		Answers map[string]struct {
			Choices []string `json:"choices"`
		} `json:"answers"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	m := make(map[string][]string, len(rec.Answers))
	for q, a := range rec.Answers {
		m[q] = a.Choices
	}
	return m, nil
}
