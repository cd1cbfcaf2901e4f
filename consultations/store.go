package consultations

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Citizen is what the bot keeps about one Telegram user to talk to them:
// their language and where they are in a consultation. It never leaves the
// store: exports and reports know citizens only by pseudonym.
type Citizen struct {
	UserID         int64
	ChatID         int64
	Language       string // language of the bot's texts for this citizen
	LanguageChosen bool   // set with /language; otherwise Telegram's language_code decides
	Session        *Session
	Created        time.Time
	// Username is the Telegram @username (without @), kept so an admin
	// can grant a role by it. Never exported.
	Username string
	// Subscribed: the citizen agreed to hear about new consultations.
	Subscribed bool
	// SubscribeAsked: the citizen has been asked once whether to subscribe.
	SubscribeAsked bool
	// Wizard is a staff member's place in a guided dialogue (/new).
	Wizard *Wizard
	// Consented is when the citizen accepted the privacy notice; zero until
	// then. Before it, nothing about them is kept but a language choice.
	Consented time.Time
}

// HasConsented reports whether the citizen has accepted the privacy notice.
func (c *Citizen) HasConsented() bool { return !c.Consented.IsZero() }

// Wizard is the state of a guided dialogue with a staff member: its kind,
// the step it waits on, and what has been gathered so far.
type Wizard struct {
	Kind      string
	Step      string
	Data      map[string]string
	MessageID int
}

// Session is a citizen's place in a consultation, kept so that a restart in
// the middle resumes where they were.
type Session struct {
	Consultation string
	Question     string   // current question id; "" while the intro is shown
	Trail        []string // questions shown before the current one, for the back button
	Selected     []string // multiple: options toggled but not yet confirmed
	MessageID    int      // the message edited as the citizen moves on
	Started      time.Time
}

// Change is what one Telegram update changes, committed at once: the
// citizen's state, their response, and the update's id so that a repeated
// update is recognised. Nil fields are left as they are.
type Change struct {
	UpdateID int64 // 0: not tied to an update
	Citizen  *Citizen
	Response *Response
}

// Usage is how many recorded answers each question and option has, used to
// refuse an edit that would break them.
type Usage struct {
	Answers map[string]int            // question id -> responses that answer it
	Options map[string]map[string]int // question id -> option id -> responses that chose it
}

// Store keeps consultations, citizens and responses. Every method that
// changes something returns only once the change is durable on disk.
type Store interface {
	// PutConsultation creates or updates a consultation. An update that
	// would break recorded answers (see CheckUpdate) is refused with a
	// *ValidationError and changes nothing. Created is kept from the
	// stored version.
	PutConsultation(ctx context.Context, c *Consultation) error
	// Consultation returns the consultation with the slug, or an ENOTFOUND error.
	Consultation(ctx context.Context, slug string) (*Consultation, error)
	// Consultations returns every consultation, ordered by slug.
	Consultations(ctx context.Context) ([]*Consultation, error)

	// Citizen returns the citizen with the Telegram user id, or an ENOTFOUND error.
	Citizen(ctx context.Context, userID int64) (*Citizen, error)
	// DeleteCitizen deletes the citizen's record, their session and their
	// entries in the subscriber and username indexes; their responses stay.
	// Deleting a citizen the store doesn't have is not an error.
	DeleteCitizen(ctx context.Context, userID int64) error
	// Response returns a participant's response, or an ENOTFOUND error.
	Response(ctx context.Context, slug, participant string) (*Response, error)
	// Commit writes a Change in one transaction. Concurrent commits share
	// a disk sync, so many citizens answering at once don't queue on it.
	Commit(ctx context.Context, ch Change) error
	// Tally returns a snapshot of the consultation's running tally, the
	// counts its indicators are computed from, kept up to date as answers
	// arrive.
	Tally(ctx context.Context, slug string) (*Tally, error)
	// CountCompleted returns how many responses to the consultation are complete.
	CountCompleted(ctx context.Context, slug string) (int, error)
	// EachResponse calls fn with every response to the consultation, in a
	// stable order, without holding them all in memory. fn must not keep r.
	EachResponse(ctx context.Context, slug string, fn func(r *Response) error) error

	// UpdateSeen reports whether the Telegram update id was already processed.
	UpdateSeen(ctx context.Context, updateID int64) (bool, error)
	// MarkUpdates records update ids as processed.
	MarkUpdates(ctx context.Context, updateIDs ...int64) error

	StaffStore
	BroadcastStore
	RightsStore

	// Secret returns the named random key (32 bytes), created the first
	// time it is asked for and kept in the database from then on.
	Secret(ctx context.Context, name string) ([]byte, error)

	Close() error
}

// PseudonymKey is the name of the Secret that keys participants' pseudonyms.
const PseudonymKey = "pseudonym"

// Pseudonym is the stable stand-in for a Telegram user id in responses,
// exports and reports: a keyed hash that cannot be reversed without the
// database's key.
func Pseudonym(key []byte, userID int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strconv.FormatInt(userID, 10)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
