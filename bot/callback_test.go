package bot

import (
	"strings"
	"testing"
)

func TestDecodeCallback(t *testing.T) {
	tests := []struct {
		name, data string
		ok         bool
		action     string
	}{
		{"answer", "a:watched:0", true, actAnswer},
		{"toggle", "t:channels:3", true, actToggle},
		{"list", "L", true, actList},
		{"language", "l:pt", true, actLanguage},
		{"accept the privacy notice", "pa:abcdefabcdef", true, actAccept},
		{"accept without a link", "pa:-", true, actAccept},
		{"decline the privacy notice", "pd", true, actDecline},
		{"notice in another language", "pl:fr:-", true, actNoticeLanguage},
		{"notice language without the link", "pl:fr", false, ""},
		{"unknown action", "z:watched", false, ""},
		{"too few parts", "a:watched", false, ""},
		{"too many parts", "k:q:x", false, ""},
		{"empty part", "a::1", false, ""},
		{"empty", "", false, ""},
		{"oversized", "a:" + strings.Repeat("x", 70) + ":1", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb, ok := decodeCallback(tt.data)
			if ok != tt.ok || cb.Action != tt.action {
				t.Errorf("decodeCallback(%q) = %+v, %v; want action %q, %v", tt.data, cb, ok, tt.action, tt.ok)
			}
		})
	}
}

// Every button the bot makes fits Telegram's 64-byte limit, even for the
// longest slug and question ids the file format allows.
func TestCallbackDataFitsTelegram(t *testing.T) {
	q := strings.Repeat("q", 32)
	for _, data := range []string{
		encodeCallback(actBegin, slugKey(strings.Repeat("s", 64))),
		encodeCallback(actAnswer, q, "10"),
		encodeCallback(actToggle, q, "99"),
		encodeCallback(actConfirm, q),
		encodeCallback(actAccept, slugKey(strings.Repeat("s", 64))),
		encodeCallback(actNoticeLanguage, "pt", slugKey(strings.Repeat("s", 64))),
	} {
		if len(data) > maxCallbackData {
			t.Errorf("%q is %d bytes, over Telegram's %d", data, len(data), maxCallbackData)
		}
		if _, ok := decodeCallback(data); !ok {
			t.Errorf("%q does not decode", data)
		}
	}
}

func FuzzDecodeCallback(f *testing.F) {
	for _, s := range []string{"a:watched:0", "t:channels:3", "L", "l:pt", "g:abcdefabcdef", "::", "a:b:c:d", "pa:-", "pd", "pl:pt:abcdefabcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		cb, ok := decodeCallback(data)
		if !ok {
			return
		}
		if len(cb.Args) != argCounts[cb.Action] {
			t.Errorf("%q decoded with %d args for %q", data, len(cb.Args), cb.Action)
		}
		if encodeCallback(cb.Action, cb.Args...) != data {
			t.Errorf("%q does not round-trip", data)
		}
	})
}
