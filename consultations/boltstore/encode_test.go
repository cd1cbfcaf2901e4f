package boltstore

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// Strings that encoding/json escapes, each in its own way.
const (
	htmlText    = `<b>"Sí" & 'no'</b> \ fin`
	controlText = "línea\nsiguiente\ttab\r\b\f\x00\x1f\x7f"
	oddText     = "ok \xff\xfe broken \u2028 sep \u2029 🏛️ ñ"
)

// marshalResponse is how encodeResponse must encode r: as json.Marshal
// encodes its record.
func marshalResponse(r *consultations.Response) ([]byte, error) {
	rec := responseRecord{
		Consultation: r.Consultation,
		Participant:  r.Participant,
		Language:     r.Language,
		Started:      r.Started,
		Completed:    r.Completed,
		Updated:      r.Updated,
	}
	if r.Answers != nil {
		rec.Answers = make(map[string]answerRecord, len(r.Answers))
		for q, a := range r.Answers {
			rec.Answers[q] = answerRecord(a)
		}
	}
	return json.Marshal(&rec)
}

// marshalCitizen is how encodeCitizen must encode c.
func marshalCitizen(c *consultations.Citizen) (citizen, session []byte, err error) {
	rec := citizenRecord{
		UserID:         c.UserID,
		ChatID:         c.ChatID,
		Language:       c.Language,
		LanguageChosen: c.LanguageChosen,
		Created:        c.Created,
		Username:       c.Username,
		Subscribed:     c.Subscribed,
		SubscribeAsked: c.SubscribeAsked,
		Consented:      c.Consented,
	}
	if w := c.Wizard; w != nil {
		rec.Wizard = &wizardRecord{Kind: w.Kind, Step: w.Step, Data: w.Data, MessageID: w.MessageID}
	}
	citizen, err = json.Marshal(&rec)
	if err != nil || c.Session == nil {
		return citizen, nil, err
	}
	s := c.Session
	session, err = json.Marshal(&sessionRecord{
		Consultation: s.Consultation,
		Question:     s.Question,
		Trail:        s.Trail,
		Selected:     s.Selected,
		MessageID:    s.MessageID,
		Started:      s.Started,
	})
	return citizen, session, err
}

func TestEncodeMatchesJSON(t *testing.T) {
	montevideo := time.FixedZone("UYT", -3*60*60)
	nanos := time.Date(2026, 3, 2, 9, 0, 0, 123456789, montevideo)
	responses := []struct {
		name string
		r    *consultations.Response
	}{
		{"completed", testResponse("survey", "p1", true)},
		{"in progress", testResponse("survey", "p1", false)},
		{"zero", &consultations.Response{}},
		{"no answers yet", &consultations.Response{Consultation: "survey", Participant: "p1", Answers: map[string]consultations.Answer{}}},
		{"empty answers", &consultations.Response{Consultation: "survey", Participant: "p1", Answers: map[string]consultations.Answer{
			"nps": {}, "topics": {Choices: []string{}}, "negative": {Number: -3},
		}}},
		{"many answers", &consultations.Response{Consultation: "survey", Participant: "p1", Answers: func() map[string]consultations.Answer {
			m := map[string]consultations.Answer{}
			for _, q := range []string{"q9", "q10", "q1", "a", "Z", "q2", "ñ", "q20", "q3", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
				m[q] = consultations.Answer{Number: len(q)}
			}
			return m
		}()}},
		{"escapes", &consultations.Response{Consultation: htmlText, Participant: controlText, Language: oddText,
			Answers: map[string]consultations.Answer{htmlText: {Text: oddText, Choices: []string{controlText, ""}}, oddText: {Text: controlText}}}},
		{"times", &consultations.Response{Consultation: "survey", Participant: "p1", Started: nanos, Updated: nanos.Add(time.Second), Completed: nanos.Local()}},
	}
	for _, tt := range responses {
		t.Run("response "+tt.name, func(t *testing.T) {
			want, err := marshalResponse(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeResponse(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encodeResponse:\ngot  %s\nwant %s", got, want)
			}
		})
	}

	citizens := []struct {
		name string
		c    *consultations.Citizen
	}{
		{"in a session", testCitizen(1001)},
		{"zero", &consultations.Citizen{}},
		{"negative ids", &consultations.Citizen{UserID: -1, ChatID: -1001234567890}},
		{"empty session", &consultations.Citizen{UserID: 1, Session: &consultations.Session{}}},
		{"empty lists", &consultations.Citizen{UserID: 1, Session: &consultations.Session{Trail: []string{}, Selected: []string{}}}},
		{"staff", &consultations.Citizen{UserID: 1, Username: "clerk_ana", Subscribed: true, SubscribeAsked: true,
			Wizard: &consultations.Wizard{Kind: "new", Step: "title", MessageID: 5, Data: map[string]string{"slug": "x", "opens": "2026-12-01", htmlText: oddText}}}},
		{"empty wizard", &consultations.Citizen{UserID: 1, Wizard: &consultations.Wizard{Data: map[string]string{}}}},
		{"consented", &consultations.Citizen{UserID: 1, ChatID: 1, Language: "pt", Created: nanos, Consented: nanos.Add(time.Minute)}},
		{"staff who consented", &consultations.Citizen{UserID: 1, Username: "clerk_ana", Consented: nanos,
			Wizard: &consultations.Wizard{Kind: "new", Step: "title"}}},
		{"escapes", &consultations.Citizen{UserID: 1, Language: htmlText, Username: controlText, Created: nanos,
			Session: &consultations.Session{Consultation: oddText, Question: controlText, Trail: []string{htmlText, oddText}, Started: nanos}}},
	}
	for _, tt := range citizens {
		t.Run("citizen "+tt.name, func(t *testing.T) {
			wantCitizen, wantSession, err := marshalCitizen(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			citizen, session, err := encodeCitizen(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(citizen, wantCitizen) {
				t.Errorf("citizen:\ngot  %s\nwant %s", citizen, wantCitizen)
			}
			if !bytes.Equal(session, wantSession) {
				t.Errorf("session:\ngot  %s\nwant %s", session, wantSession)
			}
		})
	}
}

func TestEncodeBadTime(t *testing.T) {
	future := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := encodeResponse(&consultations.Response{Consultation: "survey", Participant: "p1", Updated: future}); err == nil {
		t.Error("encodeResponse of a time in year 10000 succeeded, want an error as json.Marshal gives")
	}
	if _, _, err := encodeCitizen(&consultations.Citizen{UserID: 1, Session: &consultations.Session{Started: future}}); err == nil {
		t.Error("encodeCitizen of a session started in year 10000 succeeded, want an error")
	}
	if _, _, err := encodeCitizen(&consultations.Citizen{UserID: 1, Consented: future}); err == nil {
		t.Error("encodeCitizen of a consent given in year 10000 succeeded, want an error")
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "survey", htmlText, controlText, oddText} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
