package consultations

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSuppress(t *testing.T) {
	none := func(int) bool { return false }
	tests := []struct {
		name    string
		ns      []int
		primary func(int) bool
		rest    int
		want    []bool
	}{
		{"all large", []int{5, 9, 20}, none, 0, []bool{false, false, false}},
		{"one small: the next smallest goes too", []int{3, 9, 20}, none, 0, []bool{true, true, false}},
		{"small ones adding up to enough", []int{3, 2, 20}, none, 0, []bool{true, true, false}},
		{"an empty cell hides nothing", []int{0, 9, 20}, none, 0, []bool{true, false, false}},
		{"a small rest no cell shows", []int{6, 9, 20}, none, 2, []bool{true, false, false}},
		{"a large rest", []int{6, 9, 20}, none, 5, []bool{false, false, false}},
		{"a small cell suppressed as a whole", []int{7, 9, 20}, func(o int) bool { return o == 0 }, 0, []bool{true, false, false}},
		{"nothing left to hide behind", []int{3}, none, 0, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := suppress(tt.ns, tt.primary, tt.rest); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("suppress(%v, rest %d) = %v, want %v", tt.ns, tt.rest, got, tt.want)
			}
		})
	}
}

func TestBreakdownSuppressesSmallCells(t *testing.T) {
	c := reference(t)
	var rs []*Response
	add := func(region string, channel string, watched []int, others []int, recommend int) {
		for _, v := range watched {
			rs = append(rs, reply("es", 60, "watched", "yes", "satisfaction", v, "recommend", recommend, "channels", channel, "region", region))
		}
		for range others {
			rs = append(rs, reply("es", 60, "watched", "no", "recommend", recommend, "channels", channel, "region", region))
		}
	}
	add("metro", "website", []int{4, 4, 5, 5, 3, 4}, make([]int, 4), 8)
	add("south", "tv", []int{2, 2}, make([]int, 6), 7)
	// North: 3 respondents whose answers must not be seen.
	rs = append(rs,
		reply("es", 60, "watched", "yes", "satisfaction", 1, "recommend", 1, "channels", "radio", "region", "north"),
		reply("es", 60, "watched", "yes", "satisfaction", 1, "recommend", 2, "channels", "radio", "region", "north"),
		reply("es", 60, "watched", "yes", "satisfaction", 2, "recommend", 2, "channels", "radio", "region", "north"),
	)
	rep := BuildReport(c, tallied(c, rs...), nil, tallyEpoch)
	if len(rep.Breakdowns) != 1 || rep.Breakdowns[0].Question != "region" {
		t.Fatalf("breakdowns = %+v, want one, by region", rep.Breakdowns)
	}
	cells := map[string]BreakdownCell{}
	for _, cell := range rep.Breakdowns[0].Cells {
		cells[cell.Option] = cell
	}
	for _, o := range []string{"north", "centre"} {
		if cell := cells[o]; !cell.Suppressed || cell.CellValues != nil {
			t.Errorf("%s: suppressed %v, values %+v; want suppressed with no values", o, cell.Suppressed, cell.CellValues)
		}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, want := range []string{`{"option":"north","suppressed":true}`, `{"option":"centre","suppressed":true}`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the JSON report has no %s", want)
		}
	}
	// North's means of satisfaction (4/3) and recommend (5/3) appear nowhere.
	for _, leak := range []string{"1.3333333333333333", "1.6666666666666667"} {
		if strings.Contains(doc, leak) {
			t.Errorf("the JSON report contains %s, a value of the suppressed north cell", leak)
		}
	}

	metro, south := cells["metro"], cells["south"]
	if metro.Suppressed || metro.N != 10 || south.Suppressed || south.N != 8 {
		t.Fatalf("metro: suppressed %v, n %d; south: suppressed %v, n %d; want shown, 10 and 8", metro.Suppressed, metro.N, south.Suppressed, south.N)
	}
	var ids []string
	for _, q := range metro.Questions {
		ids = append(ids, q.ID)
	}
	if want := []string{"watched", "satisfaction", "recommend", "channels"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("metro's questions = %v, want %v (not region itself, not text)", ids, want)
	}
	sat := metro.Questions[1]
	if sat.Suppressed || sat.N != 6 {
		t.Fatalf("metro satisfaction: suppressed %v, n %v; want 6 shown", sat.Suppressed, sat.Summary)
	}
	checkEstimate(t, "metro top2box", sat.Top2Box, Estimate{5.0 / 6, wilson(5, 6).low, wilson(5, 6).high})
	// Watched: north's 3 are hidden, and 3 < MinCell, so the smallest cell
	// shown (south) is hidden too; otherwise the totals minus metro and
	// south would give north's answers.
	for _, q := range south.Questions {
		if !q.Suppressed || q.Summary != nil {
			t.Errorf("south %s: suppressed %v, summary %+v; want suppressed", q.ID, q.Suppressed, q.Summary)
		}
	}
	for _, in := range south.Indicators {
		if !in.Suppressed || in.Measurement != nil {
			t.Errorf("south indicator %s: suppressed %v; want suppressed with nothing else", in.ID, in.Suppressed)
		}
	}
	var shown []string
	for _, in := range metro.Indicators {
		if !in.Suppressed {
			shown = append(shown, in.ID)
		}
	}
	if want := []string{"satisfied-viewers", "viewers"}; !reflect.DeepEqual(shown, want) {
		t.Errorf("metro's indicators shown = %v, want %v", shown, want)
	}
	// At the consultation level the region question is shown as it is.
	if got := counts(questionStats(t, rep, "region").Distribution); !reflect.DeepEqual(got, []int{3, 0, 10, 8}) {
		t.Errorf("region counts = %v, want [3 0 10 8]", got)
	}
}

// truth is what a breakdown by region should hide, computed from the
// responses themselves: respondents of each question by region, and those
// who did not answer region.
type truth struct {
	regions []string
	ns      map[string]int            // region -> respondents
	answers map[string]map[string]int // region ("" for none) -> question -> respondents
}

func truthOf(c *Consultation, rs []*Response) truth {
	tr := truth{ns: map[string]int{}, answers: map[string]map[string]int{}}
	for _, o := range c.Question("region").Options {
		tr.regions = append(tr.regions, o.ID)
	}
	for _, r := range rs {
		region := ""
		if a, ok := r.Answers["region"]; ok {
			region = a.Choices[0]
			tr.ns[region]++
		}
		if tr.answers[region] == nil {
			tr.answers[region] = map[string]int{}
		}
		for id := range r.Answers {
			tr.answers[region][id]++ // randomReply gives only usable answers
		}
	}
	return tr
}

// TestBreakdownSuppressionNeverLeaks builds random tallies with small
// cells and checks, on the JSON report, that a suppressed cell, question or
// indicator carries nothing but its name, that everything shown has at
// least MinCell respondents, and that for each question some cell shows,
// the respondents hidden (including those no cell shows) are none or at
// least MinCell, so that subtracting the cells shown from the totals
// reveals no small group.
func TestBreakdownSuppressionNeverLeaks(t *testing.T) {
	c := reference(t)
	suppressedCells, suppressedQuestions := 0, 0
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 99))
		weights := regionWeights{1 + rng.IntN(3), rng.IntN(3), 5 + rng.IntN(30), 1 + rng.IntN(8)}
		var rs []*Response
		for i := range 5 + rng.IntN(120) {
			rs = append(rs, randomReply(rng, i, weights))
		}
		data, err := json.Marshal(BuildReport(c, tallied(c, rs...), nil, tallyEpoch))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Breakdowns []struct{ Cells []map[string]any }
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		tr := truthOf(c, rs)
		hidden, shown := map[string]int{}, map[string]bool{}
		for id, n := range tr.answers[""] {
			hidden[id] = n // no cell shows those who did not answer region
		}
		cells := doc.Breakdowns[0].Cells
		for k, cell := range cells {
			region := tr.regions[k]
			if got := cell["option"]; got != region {
				t.Fatalf("seed %d: cell %d is %v, want %s", seed, k, got, region)
			}
			small := tr.ns[region] < MinCell
			if cell["suppressed"] != small {
				t.Errorf("seed %d, %s: suppressed %v with %d respondents", seed, region, cell["suppressed"], tr.ns[region])
			}
			if small {
				checkKeys(t, seed, region, cell, "option", "suppressed")
				suppressedCells++
				for id, n := range tr.answers[region] {
					hidden[id] += n
				}
				continue
			}
			if n := cell["n"].(float64); int(n) != tr.ns[region] {
				t.Errorf("seed %d, %s: n %v, want %d", seed, region, n, tr.ns[region])
			}
			for _, q := range cell["questions"].([]any) {
				q := q.(map[string]any)
				id := q["id"].(string)
				if q["suppressed"] == true {
					checkKeys(t, seed, region+"/"+id, q, "id", "kind", "suppressed", "demographic")
					suppressedQuestions++
					hidden[id] += tr.answers[region][id]
					continue
				}
				shown[id] = true
				if n := int(q["n"].(float64)); n != tr.answers[region][id] || n < MinCell {
					t.Errorf("seed %d, %s/%s: shown with n %d (truth %d)", seed, region, id, n, tr.answers[region][id])
				}
			}
			for _, in := range cell["indicators"].([]any) {
				in := in.(map[string]any)
				if in["suppressed"] == true {
					checkKeys(t, seed, region+"/"+in["id"].(string), in, "id", "suppressed")
				} else if n := in["n"].(float64); n < MinCell {
					t.Errorf("seed %d, %s/%s: indicator shown with n %v", seed, region, in["id"], n)
				}
			}
		}
		// When no cell shows a question, the breakdown tells nothing the
		// totals do not.
		for id, n := range hidden {
			if shown[id] && n > 0 && n < MinCell {
				t.Errorf("seed %d, %s: %d respondents hidden in all; the totals minus the cells shown would reveal them", seed, id, n)
			}
		}
	}
	if suppressedCells < 50 || suppressedQuestions < 50 {
		t.Errorf("%d cells and %d questions in cells shown were suppressed; the test needs more small cells", suppressedCells, suppressedQuestions)
	}
	t.Logf("%d cells and %d questions in cells shown suppressed", suppressedCells, suppressedQuestions)
}

// checkKeys checks that a suppressed object has no key but those allowed.
func checkKeys(t *testing.T, seed uint64, name string, obj map[string]any, allowed ...string) {
	t.Helper()
	for k := range obj {
		if !slices.Contains(allowed, k) {
			t.Errorf("seed %d, %s: suppressed, yet has %q: %v", seed, name, k, obj[k])
		}
	}
}
