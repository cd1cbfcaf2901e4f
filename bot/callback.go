package bot

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Button actions: the first part of every inline button's callback data.
const (
	actOpen      = "o" // o:<key>: show a consultation's intro (from a list)
	actBegin     = "g" // g:<key>: start answering
	actAnswer    = "a" // a:<question>:<value>: an option index or a number
	actToggle    = "t" // t:<question>:<option index>: multiple choice toggle
	actConfirm   = "k" // k:<question>: confirm a multiple choice
	actSkip      = "n" // n:<question>: skip an optional question
	actBack      = "b" // b:<question>: back to the previous question
	actLanguage  = "l" // l:<code>: choose the bot's language
	actList      = "L" // L: list open consultations
	actSubscribe = "S" // S:1 or S:0: hear about new consultations, or not
	actResults   = "R" // R:<key>: a consultation's published results
	actExport    = "E" // E:<key>: staff: choose the format of a consultation's export
	actExportRun = "X" // X:<key>:<format>: staff: export a consultation in a format
	actForget    = "F" // F:y or F:n: delete everything kept about me (/forget), or not
	// Two-letter actions are registered beside their handlers: "w…" the
	// clerks' authoring (authoring.go), "p…" the privacy notice (consent.go).
)

// maxCallbackData is Telegram's limit on callback data, in bytes.
const maxCallbackData = 64

// callback is a decoded button press.
type callback struct {
	Action string
	Args   []string
}

// encodeCallback joins an action and its arguments into callback data.
func encodeCallback(action string, args ...string) string {
	return strings.Join(append([]string{action}, args...), ":")
}

// argCounts is how many arguments each action takes.
var argCounts = map[string]int{
	actOpen: 1, actBegin: 1, actAnswer: 2, actToggle: 2, actConfirm: 1,
	actSkip: 1, actBack: 1, actLanguage: 1, actList: 0, actSubscribe: 1, actResults: 1,
	actExport: 1, actExportRun: 2, actForget: 1,
}

// decodeCallback parses callback data, refusing anything the bot did not
// produce: unknown actions, wrong arity, empty or oversized parts.
func decodeCallback(data string) (callback, bool) {
	if data == "" || len(data) > maxCallbackData {
		return callback{}, false
	}
	parts := strings.Split(data, ":")
	n, ok := argCounts[parts[0]]
	if !ok || len(parts)-1 != n {
		return callback{}, false
	}
	for _, p := range parts[1:] {
		if p == "" {
			return callback{}, false
		}
	}
	return callback{Action: parts[0], Args: parts[1:]}, true
}

// slugKey is a short, fixed-length stand-in for a slug in callback data
// (a slug may be 64 characters, as long as all callback data may be).
func slugKey(slug string) string {
	sum := sha256.Sum256([]byte(slug))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:12])
}
