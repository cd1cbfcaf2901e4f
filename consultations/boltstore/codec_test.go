package boltstore

import (
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

func TestResponseCompleted(t *testing.T) {
	encode := func(r *consultations.Response) []byte {
		t.Helper()
		b, err := encodeResponse(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name  string
		value []byte
		want  bool
	}{
		{"completed", encode(testResponse("survey", "p1", true)), true},
		{"in progress", encode(testResponse("survey", "p1", false)), false},
		{"empty", encode(&consultations.Response{}), false},
		{"other field order, completed", []byte(`{"participant":"p1","completed":"2026-03-02T09:00:00Z"}`), true},
		{"other field order, in progress", []byte(`{"participant":"p1"}`), false},
		{"spaces", []byte(`{ "completed": "2026-03-02T09:00:00Z" }`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := responseCompleted(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("responseCompleted(%s) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
	if _, err := responseCompleted([]byte("not json")); err == nil {
		t.Error("responseCompleted(not json) succeeded, want an error")
	}
}
