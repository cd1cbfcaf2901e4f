package consultations

import (
	"errors"
	"fmt"
)

// Error codes shared by the domain and its adapters. A caller chooses what to
// show a citizen or a clerk by code, never by the text of an error.
const (
	ENOTFOUND = "not_found" // no such consultation, response or citizen
	EINVALID  = "invalid"   // input breaks a rule; the message says which
	ECONFLICT = "conflict"  // the change would break data already recorded
	ECLOSED   = "closed"    // the consultation does not take answers now
	ELOCKED   = "locked"    // the database is held by another process
	EINTERNAL = "internal"  // anything else: a bug or a failing disk
)

// Error is a domain error with a code callers can act on and a message a
// person can read.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error or *ValidationError in err's
// chain, EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return EINVALID
	}
	return EINTERNAL
}

// Problem is one thing wrong with a consultation: where (a field path such as
// "questions[2].kind" and, when known, the line in the file) and what to do.
type Problem struct {
	Path    string
	Line    int
	Message string
}

func (p Problem) String() string {
	switch {
	case p.Path == "":
		return p.Message
	case p.Line > 0:
		return fmt.Sprintf("%s (line %d): %s", p.Path, p.Line, p.Message)
	default:
		return fmt.Sprintf("%s: %s", p.Path, p.Message)
	}
}

// ValidationError lists every problem found, not only the first, so a clerk
// can fix a file in one go.
type ValidationError struct {
	Problems []Problem
}

func (v *ValidationError) Error() string {
	s := ""
	for i, p := range v.Problems {
		if i > 0 {
			s += "\n"
		}
		s += p.String()
	}
	return s
}
