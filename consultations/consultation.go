package consultations

import (
	"regexp"
	"time"
)

// Languages are the languages parlabot speaks, in the order menus show them.
var Languages = []string{"es", "pt", "en", "fr"}

// Text is a text in several languages, keyed by language code ("es", "pt").
type Text map[string]string

// In returns the text in lang, falling back to fallback, then to any
// language present, so a citizen never sees an empty question.
func (t Text) In(lang, fallback string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t[fallback]; s != "" {
		return s
	}
	for _, l := range Languages {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Pillar is the open parliament pillar a commitment belongs to.
type Pillar string

// The four pillars of open parliament action plans.
const (
	PillarTransparency   Pillar = "transparency"
	PillarAccountability Pillar = "accountability"
	PillarParticipation  Pillar = "participation"
	PillarEthics         Pillar = "ethics"
)

// Measure says how an indicator is computed from a question's answers.
type Measure string

// The measures an indicator may use.
const (
	MeasureTop2Box Measure = "top2box" // share of answers 4 or 5 on a satisfaction question
	MeasureShare   Measure = "share"   // share of answers equal to the indicator's option
	MeasureMean    Measure = "mean"    // mean of a satisfaction or scale question
	MeasureNPS     Measure = "nps"     // share 9-10 minus share 0-6 on a scale question
)

// Indicator is how a commitment is measured: a question, a measure, and the
// baseline and target the commitment set itself.
type Indicator struct {
	ID       string
	Question string
	Measure  Measure
	Option   string // for MeasureShare
	Baseline float64
	Target   float64
}

// Commitment is an open parliament commitment that consultations measure.
type Commitment struct {
	ID         string
	Pillar     Pillar
	Parliament string
	Title      Text
	Indicators []Indicator
}

// Kind is the kind of a question, which decides its buttons and its answer.
type Kind string

// The question kinds.
const (
	KindSingle       Kind = "single"       // one option
	KindMultiple     Kind = "multiple"     // several options, at most Max
	KindSatisfaction Kind = "satisfaction" // 1 (very dissatisfied) to 5 (very satisfied)
	KindScale        Kind = "scale"        // 0 to 10
	KindText         Kind = "text"         // free text up to MaxLength characters
)

// Kinds lists every question kind, in the order error messages name them.
var Kinds = []Kind{KindSingle, KindMultiple, KindSatisfaction, KindScale, KindText}

// DefaultMaxLength is the longest text answer accepted when a question does
// not say.
const DefaultMaxLength = 1000

// Option is one choice of a single or multiple question. Its ID is the
// stable code used in exports; its text is what citizens see.
type Option struct {
	ID   string
	Text Text
}

// Condition is a question's skip logic: the question is asked only when the
// answer to Question is one of Is.
type Condition struct {
	Question string
	Is       []string
}

// Question is one question of a consultation.
type Question struct {
	ID          string
	Kind        Kind
	Text        Text
	Options     []Option
	Max         int // multiple: most options a citizen may choose (0: all)
	MaxLength   int // text: longest answer in characters
	Optional    bool
	Demographic bool
	When        *Condition
}

// Option returns the option with the given id, or nil.
func (q *Question) Option(id string) *Option {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return &q.Options[i]
		}
	}
	return nil
}

// Status is where a consultation is in its life.
type Status string

// The statuses of a consultation.
const (
	StatusDraft  Status = "draft"
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Consultation is a set of questions put to citizens about a commitment,
// in one wave of measurement.
type Consultation struct {
	Slug            string // usable as a Telegram deep-link payload
	Wave            string
	DefaultLanguage string
	Commitment      Commitment
	Title           Text
	Intro           Text
	Opens           time.Time // zero: no scheduled opening
	Closes          time.Time // zero: no scheduled closing
	Status          Status
	Questions       []Question
	Created         time.Time
	Updated         time.Time
	// Published is when a clerk published the results to citizens (zero:
	// not published).
	Published time.Time
	// ClosedAt is when the consultation was last closed, by a clerk or by
	// its schedule (zero: not closed since this was recorded; see
	// ClosedSince).
	ClosedAt time.Time
	// Anonymised is when its responses were unlinked from the citizens who
	// gave them, once the retention period had passed (zero: not done).
	// An anonymised consultation cannot be reopened: nobody could be kept
	// from answering twice.
	Anonymised time.Time
}

// SlugPattern is what a slug may look like: a Telegram /start payload.
var SlugPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Question returns the question with the given id, or nil.
func (c *Consultation) Question(id string) *Question {
	for i := range c.Questions {
		if c.Questions[i].ID == id {
			return &c.Questions[i]
		}
	}
	return nil
}

// StatusAt is the consultation's status at now: its stored status, moved on
// by its dates (an open consultation past Closes is closed; a draft whose
// Opens has come and whose Closes has not is open).
func (c *Consultation) StatusAt(now time.Time) Status {
	switch c.Status {
	case StatusClosed:
		return StatusClosed
	case StatusOpen:
		if !c.Closes.IsZero() && !now.Before(c.Closes) {
			return StatusClosed
		}
		return StatusOpen
	default:
		if c.Opens.IsZero() || now.Before(c.Opens) {
			return StatusDraft
		}
		if !c.Closes.IsZero() && !now.Before(c.Closes) {
			return StatusClosed
		}
		return StatusOpen
	}
}

// Answer is a citizen's answer to one question. Which field holds it depends
// on the question's kind: Choices for single (one) and multiple, Number for
// satisfaction and scale, Text for text.
type Answer struct {
	Choices []string
	Number  int
	Text    string
}

// Response is one citizen's answers to one consultation. The citizen is
// known only by a pseudonym; the last answer to a question counts.
type Response struct {
	Consultation string
	Participant  string // pseudonym, never a Telegram id
	Language     string
	Started      time.Time
	Completed    time.Time // zero while the citizen has not finished
	Answers      map[string]Answer
	Updated      time.Time
}

// IsCompleted reports whether the citizen reached the end.
func (r *Response) IsCompleted() bool { return !r.Completed.IsZero() }

// Seconds is how long the citizen took from start to finish, in whole
// seconds; timed is false while not completed, when the start is unknown,
// or when the clock put the finish before the start.
func (r *Response) Seconds() (secs int, timed bool) {
	if !r.IsCompleted() || r.Started.IsZero() || r.Completed.Before(r.Started) {
		return 0, false
	}
	return int(r.Completed.Sub(r.Started).Seconds()), true // a Duration saturates at about 292 years
}

// SettleImported sets the status of a consultation read from a file: a new
// one starts as a draft and follows its dates; an update keeps the status
// the stored version has (a clerk may have opened or closed it by hand),
// moved on by the new dates, whether its results were published, when it
// was closed and whether it was anonymised.
func (c *Consultation) SettleImported(stored *Consultation, now time.Time) {
	c.Status = StatusDraft
	if stored != nil {
		c.Status, c.Published = stored.Status, stored.Published
		c.ClosedAt, c.Anonymised = stored.ClosedAt, stored.Anonymised
	}
	c.Status = c.StatusAt(now)
}
