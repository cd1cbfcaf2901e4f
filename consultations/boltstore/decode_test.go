package boltstore

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// decodeCases are responses whose encodings the decoder must read as
// encoding/json does, besides generated ones.
func decodeCases() []*consultations.Response {
	montevideo := time.FixedZone("UYT", -3*60*60)
	nanos := time.Date(2026, 3, 2, 9, 0, 0, 123456789, montevideo)
	return []*consultations.Response{
		testResponse("survey", "p1", true),
		testResponse("survey", "p1", false),
		{},
		{Consultation: "survey", Participant: "p1", Answers: map[string]consultations.Answer{}},
		{Consultation: "survey", Participant: "p1", Answers: map[string]consultations.Answer{
			"nps": {}, "topics": {Choices: []string{}}, "negative": {Number: -3}, "big": {Number: 1 << 62}, "zero": {Choices: []string{""}},
		}},
		{Consultation: htmlText, Participant: controlText, Language: oddText,
			Answers: map[string]consultations.Answer{htmlText: {Text: oddText, Choices: []string{controlText, ""}}, oddText: {Text: controlText}}},
		{Consultation: "survey", Participant: "p1", Started: nanos, Updated: nanos.Add(time.Second), Completed: nanos.Local()},
		{Consultation: "survey", Answers: map[string]consultations.Answer{"comment": {Text: "😀 surrogate pair, \u2028 and \u2029, \x00 nul"}}},
	}
}

// TestDecodeMatchesJSON checks that what commits write is decoded without
// encoding/json, to exactly what encoding/json decodes.
func TestDecodeMatchesJSON(t *testing.T) {
	responses := decodeCases()
	rng := rand.New(rand.NewPCG(1, 2))
	c := referenceConsultation(t)
	for i := range 20_000 {
		responses = append(responses, benchResponse(rng, []byte("key"), c.Slug, i))
	}
	d := newResponseDecoder()
	for i, r := range responses {
		b, err := encodeResponse(r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeResponseJSON(b)
		if err != nil {
			t.Fatalf("response %d: json: %v", i, err)
		}
		got, ok := d.decodeFast(b)
		if !ok {
			t.Fatalf("response %d: decodeFast(%s) gave up, want it to decode what encodeResponse writes", i, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("response %d: decodeFast(%s)\ngot  %#v\nwant %#v", i, b, got, want)
		}
	}
}

// Valid JSON in another form than encodeResponse's is decoded by
// encoding/json, and invalid JSON is an error.
func TestDecodeOtherForms(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr bool
	}{
		{"spaces", `{ "consultation": "survey", "answers": {"q": {"number": 3}} }`, false},
		{"other order", `{"participant":"p1","consultation":"survey"}`, false},
		{"repeated field", `{"consultation":"a","consultation":"b"}`, false},
		{"repeated answers", `{"answers":{"q":{"number":1}},"answers":{"r":{"number":2}}}`, false},
		{"repeated question", `{"answers":{"q":{"number":1,"text":"a"},"q":{"number":2}}}`, false},
		{"capitals", `{"Consultation":"survey","answers":{"q":{"Number":3}}}`, false},
		{"unknown field", `{"consultation":"survey","extra":[1,2]}`, false},
		{"nulls", `{"consultation":null,"answers":{"q":{"choices":null}},"started":null}`, false},
		{"exponent", `{"answers":{"q":{"number":1e1}}}`, true},
		{"fraction", `{"answers":{"q":{"number":1.5}}}`, true},
		{"escaped time", `{"started":"2026-03-02T09:00:00\u005a"}`, true},
		{"bad time", `{"started":"yesterday"}`, true},
		{"control character", "{\"consultation\":\"a\tb\"}", true},
		{"bad escape", `{"consultation":"a\'b"}`, true},
		{"trailing", `{"consultation":"survey"}x`, true},
		{"truncated", `{"consultation":"survey"`, true},
		{"not json", `nope`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := decodeResponseJSON([]byte(tt.value))
			if (wantErr != nil) != tt.wantErr {
				t.Fatalf("json error = %v, want an error: %v", wantErr, tt.wantErr)
			}
			got, err := decodeResponse([]byte(tt.value))
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeResponse(%s) error = %v, want an error: %v", tt.value, err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decodeResponse(%s)\ngot  %#v\nwant %#v", tt.value, got, want)
			}
		})
	}
}

// FuzzDecodeResponse checks that whatever decodeFast accepts, encoding/json
// decodes to the same response.
func FuzzDecodeResponse(f *testing.F) {
	for _, r := range decodeCases() {
		b, err := encodeResponse(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"answers":{"q":{"text":"\ud83d\ude00 \ud83d x \udc00\u00e9\/"}}}`))
	f.Add([]byte(`{"answers":{"q":{"number":-0,"text":"\xff\xfe"}}}`))
	f.Add([]byte(`{"completed":"2024-02-29T23:59:59.5Z","started":"2023-02-29T00:00:00Z","updated":"0000-01-01T00:00:00.1234567891Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := newResponseDecoder().decodeFast(b)
		want, err := decodeResponseJSON(b)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("decodeFast(%q) succeeded, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeFast(%q)\ngot  %#v\nwant %#v", b, got, want)
		}
	})
}
