package bot

import (
	"context"
	"errors"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// failingRights is a store whose rights and retention operations fail as
// a broken disk would.
type failingRights struct{ consultations.Store }

var errDisk = consultations.Errorf(consultations.EINTERNAL, "write parlabot.db: input/output error")

func (failingRights) Forget(context.Context, int64, string) (consultations.Forgotten, error) {
	return consultations.Forgotten{}, errDisk
}
func (failingRights) DeleteCitizen(context.Context, int64) error { return errDisk }
func (failingRights) Anonymise(context.Context, string) (int, error) {
	return 0, errDisk
}
func (failingRights) ResponsesOf(context.Context, string) ([]*consultations.Response, error) {
	return nil, errDisk
}
func (failingRights) Tally(context.Context, string) (*consultations.Tally, error) {
	return nil, errDisk
}

// TestRightsFailuresAreStoreFaults checks that a failing database under
// /forget, a declined notice, /mydata, retention and results is known as
// such: the update comes again and the admins are told, instead of the
// erasure being counted as done.
func TestRightsFailuresAreStoreFaults(t *testing.T) {
	ctx := context.Background()
	s := faultTagger{failingRights{}}
	_, forget := s.Forget(ctx, 1, "p")
	_, anon := s.Anonymise(ctx, "s")
	_, mine := s.ResponsesOf(ctx, "p")
	_, tally := s.Tally(ctx, "s")
	for name, err := range map[string]error{
		"Forget": forget, "DeleteCitizen": s.DeleteCitizen(ctx, 1),
		"Anonymise": anon, "ResponsesOf": mine, "Tally": tally,
	} {
		var sf *storeFault
		if !errors.As(err, &sf) {
			t.Errorf("%s: %v is not marked as a database failure", name, err)
		}
	}
}
