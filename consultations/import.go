package consultations

import (
	"context"
	"errors"
	"time"
)

// Import reads a consultation file and stores it, as `parlabot import` and a
// document sent to the bot both do: a new consultation follows its dates, an
// update keeps its stored status (see SettleImported) and may not break
// recorded answers (see CheckUpdate). A bad file is refused whole with a
// *ValidationError whose problems all carry their line in the file, and
// nothing is stored. updated reports whether the slug already existed.
func Import(ctx context.Context, s Store, data []byte, now time.Time) (c *Consultation, updated bool, err error) {
	f, err := ParseFile(data)
	if err != nil {
		return nil, false, err
	}
	return ImportFile(ctx, s, f, now)
}

// ImportFile is Import of a file already parsed, so that a caller can
// refuse a bad file before it opens the store.
func ImportFile(ctx context.Context, s Store, f *File, now time.Time) (c *Consultation, updated bool, err error) {
	c = f.Consultation
	stored, err := s.Consultation(ctx, c.Slug)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, false, err
	}
	c.SettleImported(stored, now)
	if err := s.PutConsultation(ctx, c); err != nil {
		var v *ValidationError
		if errors.As(err, &v) {
			for i := range v.Problems {
				if v.Problems[i].Line == 0 {
					v.Problems[i].Line = f.Line(v.Problems[i].Path)
				}
			}
		}
		return nil, false, err
	}
	return c, stored != nil, nil
}
