package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// retention is the --retention flag: how long after a consultation closes
// its responses stay linked to the citizens who gave them. 0 keeps them
// linked.
type retention time.Duration

func (r *retention) String() string {
	d := time.Duration(*r)
	if d != 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func (r *retention) Set(v string) error {
	d, err := parseRetention(v)
	if err != nil {
		return err
	}
	*r = retention(d)
	return nil
}

// parseRetention reads a retention period: days as "365d", or a Go
// duration such as "8760h"; "0" keeps responses linked.
func parseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	bad := fmt.Errorf("%q is not a retention period; write days as 365d, or hours as 8760h (0 keeps responses linked to citizens)", v)
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d < 0 {
			return 0, bad
		}
	}
	return d, nil
}

// retentionFlag adds --retention to a subcommand's flags, its default from
// PARLABOT_RETENTION.
func (m *Main) retentionFlag(fs *flag.FlagSet) (*retention, error) {
	r := new(retention)
	if v := m.env("PARLABOT_RETENTION", ""); v != "" {
		if err := r.Set(v); err != nil {
			return nil, usagef("PARLABOT_RETENTION: %v", err)
		}
	}
	fs.Var(r, "retention", "how long after a consultation closes its responses stay linked to citizens, as `days` (365d) or hours (8760h); 0 keeps them (PARLABOT_RETENTION)")
	return r, nil
}
