package boltstore

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/parlabot/parlabot/consultations"
)

// Responses are read far more often than they are written: a tally built
// from a million of them decoded each with encoding/json, at about 12 µs a
// response. responseDecoder reads them without reflection, several times
// faster (BenchmarkTallyRecompute1M). It only knows the form encodeResponse writes (the fields of a
// responseRecord in order, each at most once, no spaces) and gives up on
// anything else, which decodeResponse then hands to encoding/json: what it
// decodes is exactly what encoding/json decodes (TestDecodeMatchesJSON,
// FuzzDecodeResponse).

// responseDecoder decodes stored responses. One decoder decoding many
// responses shares the short strings they repeat (the consultation,
// languages, question and option ids) instead of allocating each again. It
// is not safe for concurrent use.
type responseDecoder struct {
	names *[256]string // short strings seen, to share, by nameSlot; nil: no sharing
}

// sharedNameMax is the longest string a responseDecoder shares, in bytes.
const sharedNameMax = 64

// newResponseDecoder returns a decoder for many responses.
func newResponseDecoder() *responseDecoder {
	return &responseDecoder{names: new([256]string)}
}

// nameSlot is where a string is kept to share: a hash of its length and
// ends, which tells a consultation's ids and languages apart.
func nameSlot(s []byte) uint8 {
	return uint8(len(s)*31 + int(s[0])*7 + int(s[len(s)-1]))
}

// decodeResponse decodes a stored response.
func decodeResponse(b []byte) (*consultations.Response, error) {
	var d responseDecoder
	return d.decode(b)
}

// decode decodes a stored response, with encoding/json when it is not in
// the form encodeResponse writes.
func (d *responseDecoder) decode(b []byte) (*consultations.Response, error) {
	if r, ok := d.decodeFast(b); ok {
		return r, nil
	}
	return decodeResponseJSON(b)
}

// decodeFast decodes b if it is in the form encodeResponse writes; ok is
// false otherwise, even when b is valid JSON.
func (d *responseDecoder) decodeFast(b []byte) (r *consultations.Response, ok bool) {
	p := responseParser{b: b, d: d}
	if !p.skip('{') {
		return nil, false
	}
	r = new(consultations.Response)
	// Fields in the order of responseRecord, each at most once.
	first := true
	for field, name := range responseFields {
		if !p.field(name, first) {
			continue
		}
		first = false
		ok := false
		switch field {
		case fieldCompleted:
			ok = p.time(&r.Completed)
		case fieldConsultation:
			r.Consultation, ok = p.string(true)
		case fieldParticipant:
			r.Participant, ok = p.string(false)
		case fieldLanguage:
			r.Language, ok = p.string(true)
		case fieldStarted:
			ok = p.time(&r.Started)
		case fieldAnswers:
			r.Answers, ok = p.answers()
		case fieldUpdated:
			ok = p.time(&r.Updated)
		}
		if !ok {
			return nil, false
		}
	}
	return r, p.skip('}') && p.i == len(b)
}

// The fields of a responseRecord, in order, as they begin.
const (
	fieldCompleted = iota
	fieldConsultation
	fieldParticipant
	fieldLanguage
	fieldStarted
	fieldAnswers
	fieldUpdated
)

var responseFields = [...]string{
	fieldCompleted:    `"completed":`,
	fieldConsultation: `"consultation":`,
	fieldParticipant:  `"participant":`,
	fieldLanguage:     `"language":`,
	fieldStarted:      `"started":`,
	fieldAnswers:      `"answers":`,
	fieldUpdated:      `"updated":`,
}

// field consumes the beginning of a field (name, quoted, and colon) if it
// comes next, after a comma unless it is the first.
func (p *responseParser) field(name string, first bool) bool {
	i := p.i
	if !first {
		if i >= len(p.b) || p.b[i] != ',' {
			return false
		}
		i++
	}
	if !bytes.HasPrefix(p.b[i:], []byte(name)) {
		return false
	}
	p.i = i + len(name)
	return true
}

// responseParser reads one encoded response from b, at i.
type responseParser struct {
	b []byte
	i int
	d *responseDecoder
}

// skip consumes c if it comes next.
func (p *responseParser) skip(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// rawString reads a string literal, quotes included, without unquoting it;
// plain says it holds only printable ASCII, so is the string itself, and
// escaped whether it holds a backslash.
func (p *responseParser) rawString() (raw []byte, plain, escaped, ok bool) {
	start := p.i
	if !p.skip('"') {
		return nil, false, false, false
	}
	if end := bytes.IndexByte(p.b[p.i:], '"'); end >= 0 && printableASCII(p.b[p.i:p.i+end]) {
		p.i += end + 1
		return p.b[start:p.i], true, false, true
	}
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start:p.i], false, escaped, true
		case c == '\\':
			escaped = true
			p.i += 2 // whatever is escaped, unquote checks it
		case c < ' ':
			return nil, false, false, false
		default:
			p.i++
		}
	}
	return nil, false, false, false
}

// printableASCII reports whether s holds only bytes from space to DEL but
// the backslash, eight at a time.
func printableASCII(s []byte) bool {
	const ones, highs, spaces, backslashes = 0x0101010101010101, 0x8080808080808080, 0x20 * 0x0101010101010101, '\\' * 0x0101010101010101
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		control := (w - spaces) &^ w & highs // a byte below 0x20 (exact with no high bit set, checked too)
		x := w ^ backslashes
		backslash := (x - ones) &^ x & highs
		if (w&highs)|control|backslash != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c < ' ' || c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	return true
}

// string reads a string; share says it may be one the decoder shares.
func (p *responseParser) string(share bool) (string, bool) {
	raw, plain, escaped, ok := p.rawString()
	if !ok {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	if plain {
		if share && p.d.names != nil && len(s) > 0 && len(s) <= sharedNameMax {
			slot := &p.d.names[nameSlot(s)]
			if *slot != string(s) {
				*slot = string(s)
			}
			return *slot, true
		}
		return string(s), true
	}
	if !escaped && utf8.Valid(s) {
		return string(s), true
	}
	return unquote(s)
}

// time reads a time as encoding/json does, with time.Time's UnmarshalJSON,
// but for a time in UTC with at most nanoseconds, which it reads itself.
func (p *responseParser) time(t *time.Time) bool {
	raw, plain, _, ok := p.rawString()
	if !ok {
		return false
	}
	if plain {
		if u, ok := parseUTC(raw[1 : len(raw)-1]); ok {
			*t = u
			return true
		}
	}
	return t.UnmarshalJSON(raw) == nil
}

// parseUTC parses 2006-01-02T15:04:05.999999999Z as time.Time's
// UnmarshalJSON does, or gives up.
func parseUTC(s []byte) (time.Time, bool) {
	const layout = "2006-01-02T15:04:05"
	if len(s) < len(layout)+1 || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	ok := true
	num := func(b []byte, lo, hi int) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			ok = false
		}
		return n
	}
	year, month := num(s[0:4], 0, 9999), num(s[5:7], 1, 12)
	if !ok {
		return time.Time{}, false
	}
	day := num(s[8:10], 1, daysIn(time.Month(month), year))
	hour, minute, sec := num(s[11:13], 0, 23), num(s[14:16], 0, 59), num(s[17:19], 0, 59)
	nsec := 0
	if frac := s[len(layout) : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		nsec = num(frac[1:], 0, 999_999_999)
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// daysIn is the number of days in a month of a year.
func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}

// answers reads the answers, an object of answer objects.
func (p *responseParser) answers() (map[string]consultations.Answer, bool) {
	if !p.skip('{') {
		return nil, false
	}
	m := make(map[string]consultations.Answer, 8)
	if p.skip('}') {
		return m, true
	}
	for {
		q, ok := p.string(true)
		if !ok || !p.skip(':') {
			return nil, false
		}
		a, ok := p.answer()
		if !ok {
			return nil, false
		}
		m[q] = a // as encoding/json does, a repeated question's last answer counts
		if p.skip('}') {
			return m, true
		}
		if !p.skip(',') {
			return nil, false
		}
	}
}

// The fields of an answerRecord, in order, as they begin.
const (
	fieldChoices = iota
	fieldNumber
	fieldText
)

var answerFields = [...]string{
	fieldChoices: `"choices":`,
	fieldNumber:  `"number":`,
	fieldText:    `"text":`,
}

// answer reads one answer object.
func (p *responseParser) answer() (a consultations.Answer, ok bool) {
	if !p.skip('{') {
		return a, false
	}
	first := true
	for field, name := range answerFields {
		if !p.field(name, first) {
			continue
		}
		first = false
		switch field {
		case fieldChoices:
			a.Choices, ok = p.choices()
		case fieldNumber:
			a.Number, ok = p.int()
		case fieldText:
			a.Text, ok = p.string(false)
		}
		if !ok {
			return a, false
		}
	}
	return a, p.skip('}')
}

// choices reads an array of strings; [] is an empty slice, not nil.
func (p *responseParser) choices() ([]string, bool) {
	if !p.skip('[') {
		return nil, false
	}
	if p.skip(']') {
		return []string{}, true
	}
	list := make([]string, 0, 2)
	for {
		s, ok := p.string(true)
		if !ok {
			return nil, false
		}
		list = append(list, s)
		if p.skip(']') {
			return list, true
		}
		if !p.skip(',') {
			return nil, false
		}
	}
}

// int reads an integer with no fraction or exponent, as strconv.AppendInt
// writes it.
func (p *responseParser) int() (int, bool) {
	start := p.i
	neg := p.skip('-')
	digitsStart := p.i
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		n = n*10 + int(p.b[p.i]-'0') // overflows past 18 digits; see below
		p.i++
	}
	digits := p.i - digitsStart
	switch {
	case digits == 0:
		return 0, false
	case digits > 1 && p.b[digitsStart] == '0':
		return 0, false
	case p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E'):
		return 0, false
	case digits > 18:
		n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, strconv.IntSize)
		return int(n), err == nil
	}
	if neg {
		n = -n
	}
	return n, true
}

// unquote unquotes the inside of a JSON string literal as encoding/json
// does: the escapes JSON has, a \u surrogate pair as one character, a lone
// surrogate and each byte of invalid UTF-8 as U+FFFD. ok is false for what
// JSON does not allow, which encoding/json refuses.
func unquote(s []byte) (string, bool) {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			if r+1 >= len(s) {
				return "", false
			}
			switch s[r+1] {
			case '"', '\\', '/':
				b = append(b, s[r+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					return "", false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default:
				return "", false
			}
			r += 2
		case c == '"', c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return string(b), true
}

// getu4 decodes the \uXXXX escape at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
