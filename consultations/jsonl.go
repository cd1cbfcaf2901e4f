package consultations

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// JSONLWriter exports responses as JSON Lines, one object per response, for
// analysts' own tools. Participants appear only by pseudonym; answers are
// keyed by question id in the order of the consultation's questions.
type JSONLWriter struct {
	// OmitText leaves out free-text answers, which may contain personal
	// data.
	OmitText bool

	w   io.Writer
	c   *Consultation
	buf bytes.Buffer  // the line being written, reused from one response to the next
	enc *json.Encoder // encodes strings into buf, leaving <, > and & as they are
	s   string        // the string being encoded
}

// NewJSONLWriter returns a writer of c's responses to w.
func NewJSONLWriter(w io.Writer, c *Consultation) *JSONLWriter {
	j := &JSONLWriter{w: w, c: c}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write writes r as one line:
//
//	{"consultation":"…","wave":"2026-1","participant":"…","language":"pt","completed":true,"started":"…","completed_at":"…","seconds":95,"answers":{"watched":"yes","satisfaction":4,"channels":["website","tv"],"comment":"…"}}
//
// Times are RFC 3339 in UTC (started is left out when unknown, completed_at
// and seconds, the time taken, while not completed); wave is left out when
// the consultation has none; single answers are an option id, multiple answers a
// list of them, satisfaction and scale a number, text as written; questions
// not answered are left out. A response to another consultation is refused.
func (j *JSONLWriter) Write(r *Response) error {
	if r.Consultation != "" && r.Consultation != j.c.Slug {
		return Errorf(EINVALID, "response to %q cannot be written in the export of %q", r.Consultation, j.c.Slug)
	}
	b := &j.buf
	b.Reset()
	b.WriteString(`{"consultation":`)
	j.str(j.c.Slug)
	if j.c.Wave != "" {
		b.WriteString(`,"wave":`)
		j.str(j.c.Wave)
	}
	b.WriteString(`,"participant":`)
	j.str(r.Participant)
	b.WriteString(`,"language":`)
	j.str(r.Language)
	b.WriteString(`,"completed":`)
	b.WriteString(strconv.FormatBool(r.IsCompleted()))
	if !r.Started.IsZero() {
		b.WriteString(`,"started":`)
		j.time(r.Started)
	}
	if r.IsCompleted() {
		b.WriteString(`,"completed_at":`)
		j.time(r.Completed)
		if secs, timed := r.Seconds(); timed {
			b.WriteString(`,"seconds":`)
			b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(secs), 10))
		}
	}
	b.WriteString(`,"answers":{`)
	first := true
	for i := range j.c.Questions {
		q := &j.c.Questions[i]
		a, ok := r.Answers[q.ID]
		if !ok || (q.Kind == KindSingle && len(a.Choices) == 0) || (q.Kind == KindText && j.OmitText) {
			continue
		}
		switch q.Kind {
		case KindSingle, KindMultiple, KindSatisfaction, KindScale, KindText:
		default:
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		j.str(q.ID)
		b.WriteByte(':')
		switch q.Kind {
		case KindSingle:
			j.str(a.Choices[0])
		case KindMultiple:
			b.WriteByte('[')
			for k, ch := range a.Choices {
				if k > 0 {
					b.WriteByte(',')
				}
				j.str(ch)
			}
			b.WriteByte(']')
		case KindSatisfaction, KindScale:
			b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(a.Number), 10))
		case KindText:
			j.str(a.Text)
		}
	}
	b.WriteString("}}\n")
	_, err := j.w.Write(b.Bytes())
	return err
}

// str appends s to the line as a JSON string.
func (j *JSONLWriter) str(s string) {
	j.s = s
	_ = j.enc.Encode(&j.s)          // a string always encodes; a pointer saves boxing it
	j.buf.Truncate(j.buf.Len() - 1) // Encode ends each value with a newline
}

func (j *JSONLWriter) time(t time.Time) {
	j.buf.WriteByte('"')
	j.buf.Write(t.UTC().AppendFormat(j.buf.AvailableBuffer(), time.RFC3339))
	j.buf.WriteByte('"')
}
