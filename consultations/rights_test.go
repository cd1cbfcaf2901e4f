package consultations

import (
	"testing"
	"time"
)

func TestClosedSince(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2027, 1, d, 12, 0, 0, 0, time.UTC) }
	now := day(20)
	tests := []struct {
		name       string
		c          Consultation
		wantClosed bool
		want       time.Time
	}{
		{"open", Consultation{Status: StatusOpen, Closes: day(25)}, false, time.Time{}},
		{"draft", Consultation{Status: StatusDraft}, false, time.Time{}},
		{"closed by hand", Consultation{Status: StatusClosed, ClosedAt: day(5), Closes: day(25), Updated: day(6)}, true, day(5)},
		{"closed by its date", Consultation{Status: StatusOpen, Closes: day(10), Updated: day(1)}, true, day(10)},
		{"closed by hand before ClosedAt was recorded", Consultation{Status: StatusClosed, Closes: day(25), Updated: day(7)}, true, day(7)},
		{"closed by hand, then its date passed", Consultation{Status: StatusClosed, ClosedAt: day(3), Closes: day(10)}, true, day(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, closed := tt.c.ClosedSince(now)
			if closed != tt.wantClosed || !got.Equal(tt.want) {
				t.Errorf("ClosedSince = %v, %v; want %v, %v", got, closed, tt.want, tt.wantClosed)
			}
		})
	}
}

func TestSettleImportedKeepsClosingAndAnonymising(t *testing.T) {
	stored := &Consultation{Status: StatusClosed, ClosedAt: time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), Anonymised: time.Date(2028, 1, 5, 0, 0, 0, 0, time.UTC)}
	c := &Consultation{}
	c.SettleImported(stored, time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC))
	if c.Status != StatusClosed || !c.ClosedAt.Equal(stored.ClosedAt) || !c.Anonymised.Equal(stored.Anonymised) {
		t.Errorf("imported again = status %s, closed %v, anonymised %v; want the stored ones", c.Status, c.ClosedAt, c.Anonymised)
	}
}
