package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Suppressed is what a report shows for a breakdown value withheld because
// too few people are behind it, instead of any number.
const Suppressed = "<5"

// missing stands for a value that does not exist yet (no answers).
const missing = "—"

// decimalComma reports whether lang writes decimals with a comma (42,5).
func decimalComma(lang string) bool { return lang != "en" }

// Decimal writes x with prec decimals the way lang writes them: "3,83" in
// es, pt and fr, "3.83" in en. Values that round to zero lose their sign.
func Decimal(lang string, x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	if decimalComma(lang) {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Percent writes a share (0.42) as a percentage with one decimal, the way
// lang writes it: "42,0 %" in es and fr, "42,0%" in pt, "42.0%" in en.
func Percent(lang string, share float64) string {
	s := Decimal(lang, share*100, 1)
	if lang == "es" || lang == "fr" {
		return s + " %"
	}
	return s + "%"
}

// signed writes x with prec decimals and an explicit sign ("+5,2", "-1,0").
func signed(lang string, x float64, prec int) string {
	s := Decimal(lang, x, prec)
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.,") != "" {
		s = "+" + s
	}
	return s
}

// duration writes a number of seconds as "1 min 10 s" or "2 h 05 min".
func duration(secs float64, over bool) string {
	s := int(math.Round(secs))
	var out string
	switch {
	case s < 60:
		out = fmt.Sprintf("%d s", s)
	case s < 3600:
		out = fmt.Sprintf("%d min %02d s", s/60, s%60)
	default:
		out = fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
	}
	if over {
		out = "≥ " + out
	}
	return out
}
