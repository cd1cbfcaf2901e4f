package consultations

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// File is a consultation read from a YAML file, with the line of each of its
// fields so that later problems (an update refused by CheckUpdate, say) can
// point the clerk at the right place.
type File struct {
	Consultation *Consultation
	lines        map[string]int
}

// Line returns the line of a field path such as "questions[2].kind". A path
// the file does not have (a missing text, say) gets the line of the nearest
// enclosing field that it does have; 0 when nothing encloses it.
func (f *File) Line(path string) int {
	if f == nil {
		return 0
	}
	return nearestLine(f.lines, path)
}

func nearestLine(lines map[string]int, path string) int {
	for path != "" {
		if n, ok := lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
	return 0
}

// The fields accepted in each part of a consultation file, in the order
// error messages list them.
var (
	consultationFields = []string{"slug", "default_language", "wave", "commitment", "title", "intro", "opens", "closes", "questions"}
	commitmentFields   = []string{"id", "pillar", "parliament", "title", "indicators"}
	indicatorFields    = []string{"id", "question", "measure", "option", "baseline", "target"}
	questionFields     = []string{"id", "kind", "text", "options", "max", "max_length", "optional", "demographic", "when"}
	optionFields       = []string{"id", "text"}
	conditionFields    = []string{"question", "is"}
)

// ParseFile reads a consultation file (see the reference in
// shared/examples/livestream-2026.yaml). A file that is not valid YAML, or
// whose consultation breaks a rule of Validate, yields a *ValidationError
// listing every problem with its field path and line. The Status of the
// consultation is left for the importer to set.
func ParseFile(data []byte) (*File, error) {
	var root yaml.Node
	if p, ok := parseYAML(data, &root); !ok {
		return nil, &ValidationError{Problems: []Problem{p}}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, &ValidationError{Problems: []Problem{{
			Message: "the file is empty; start from the example consultation file",
		}}}
	}
	d := &decoder{lines: map[string]int{}, broken: map[string]bool{}}
	c := d.consultation(root.Content[0])
	problems := d.problems
	for _, p := range c.Validate() {
		if d.covers(p.Path) {
			continue // the field could not be read: its problem is already listed
		}
		p.Line = nearestLine(d.lines, p.Path)
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &ValidationError{Problems: problems}
	}
	return &File{Consultation: c, lines: d.lines}, nil
}

// decoder turns YAML nodes into a Consultation by hand, so that every field's
// line is known and a wrong type is reported with its path rather than as a
// Go decoding error.
type decoder struct {
	lines    map[string]int
	problems []Problem
	broken   map[string]bool // paths that could not be read
}

func (d *decoder) problem(path string, line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path == "" && line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg) // Problem.String shows no line without a path
	}
	d.problems = append(d.problems, Problem{Path: path, Line: line, Message: msg})
}

// fail reports a field that could not be read, so that Validate's problems
// about the same field (now empty) are not listed twice.
func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	d.broken[path] = true
	d.problem(path, n.Line, format, args...)
}

// covers reports whether path is, or is inside, a field that could not be read.
func (d *decoder) covers(path string) bool {
	for p := range d.broken {
		if p == "" || path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// describe names what a node is, for messages such as "expected a list, found ...".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return strconv.Quote(n.Value)
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// usable reports whether n can be read at all: aliases are refused, since
// the format has no use for them and they would let a small file expand.
func (d *decoder) usable(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.fail(path, n, "aliases (*%s) are not supported; write the value out in full", n.Value)
		return false
	}
	return true
}

// fields checks that n is a mapping whose keys are among known, records the
// line of each key and returns the value of each known key. Unknown and
// repeated keys are reported.
func (d *decoder) fields(n *yaml.Node, path string, known []string) map[string]*yaml.Node {
	if !d.usable(n, path) || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, "expected fields (%s), found %s", strings.Join(known, ", "), describe(n))
		return nil
	}
	values := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problem(path, k.Line, "expected a field name, found %s", describe(k))
			continue
		}
		p := join(path, k.Value)
		if !slices.Contains(known, k.Value) {
			d.problem(p, k.Line, "%s", unknownField(k.Value, known))
			continue
		}
		if _, dup := values[k.Value]; dup {
			d.problem(p, k.Line, "%s is given twice (first on line %d); keep one", k.Value, d.lines[p])
			continue
		}
		values[k.Value] = v
		d.lines[p] = k.Line
	}
	return values
}

// unknownField says what is wrong with an unknown key, suggesting the known
// field it was probably meant to be.
func unknownField(key string, known []string) string {
	best, bestDist := "", 3
	for _, f := range known {
		if dist := editDistance(strings.ToLower(key), f); dist < bestDist && dist < len(f) {
			best, bestDist = f, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown field %q; did you mean %s?", key, best)
	}
	return fmt.Sprintf("unknown field %q; the fields here are %s", key, strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// str reads a single value as text, whatever YAML would make of it: ids
// such as 2026 or no stay as written.
func (d *decoder) str(n *yaml.Node, path string) string {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(path, n, "expected a single value, found %s", describe(n))
		return ""
	}
	return n.Value
}

func (d *decoder) text(n *yaml.Node, path string) Text {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, "expected texts by language, e.g. {es: ..., pt: ...}, found %s", describe(n))
		return nil
	}
	t := Text{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problem(path, k.Line, "expected a language code (%s), found %s", orList(Languages), describe(k))
			continue
		}
		p := join(path, k.Value)
		if _, dup := t[k.Value]; dup {
			d.problem(p, k.Line, "the %s text is given twice (first on line %d); keep one", k.Value, d.lines[p])
			continue
		}
		d.lines[p] = k.Line
		t[k.Value] = d.str(v, p)
	}
	return t
}

func (d *decoder) integer(n *yaml.Node, path string) int {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return 0
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.fail(path, n, "expected a whole number, found %s", describe(n))
		return 0
	}
	return v
}

func (d *decoder) number(n *yaml.Node, path string) float64 {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return 0
	}
	var v float64
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&v) != nil {
		d.fail(path, n, "expected a number such as 0.42, found %s", describe(n))
		return 0
	}
	return v
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return false
	}
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.fail(path, n, "expected true or false, found %s", describe(n))
		return false
	}
	return v
}

func (d *decoder) timestamp(n *yaml.Node, path string) time.Time {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		d.fail(path, n, "expected a date and time with its UTC offset, such as 2026-12-01T09:00:00-03:00, found %s", describe(n))
		return time.Time{}
	}
	return t
}

// list returns the items of a list, recording the line of each.
func (d *decoder) list(n *yaml.Node, path string) []*yaml.Node {
	if n == nil || !d.usable(n, path) || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(path, n, "expected a list (lines starting with -), found %s", describe(n))
		return nil
	}
	for i, item := range n.Content {
		d.lines[index(path, i)] = item.Line
	}
	return n.Content
}

func (d *decoder) consultation(n *yaml.Node) *Consultation {
	f := d.fields(n, "", consultationFields)
	c := &Consultation{
		Slug:            d.str(f["slug"], "slug"),
		DefaultLanguage: d.str(f["default_language"], "default_language"),
		Wave:            d.str(f["wave"], "wave"),
		Title:           d.text(f["title"], "title"),
		Intro:           d.text(f["intro"], "intro"),
		Opens:           d.timestamp(f["opens"], "opens"),
		Closes:          d.timestamp(f["closes"], "closes"),
	}
	if n := f["commitment"]; n != nil {
		c.Commitment = d.commitment(n, "commitment")
	}
	for i, q := range d.list(f["questions"], "questions") {
		c.Questions = append(c.Questions, d.question(q, index("questions", i)))
	}
	return c
}

func (d *decoder) commitment(n *yaml.Node, path string) Commitment {
	f := d.fields(n, path, commitmentFields)
	c := Commitment{
		ID:         d.str(f["id"], join(path, "id")),
		Pillar:     Pillar(d.str(f["pillar"], join(path, "pillar"))),
		Parliament: d.str(f["parliament"], join(path, "parliament")),
		Title:      d.text(f["title"], join(path, "title")),
	}
	for i, in := range d.list(f["indicators"], join(path, "indicators")) {
		p := index(join(path, "indicators"), i)
		g := d.fields(in, p, indicatorFields)
		c.Indicators = append(c.Indicators, Indicator{
			ID:       d.str(g["id"], join(p, "id")),
			Question: d.str(g["question"], join(p, "question")),
			Measure:  Measure(d.str(g["measure"], join(p, "measure"))),
			Option:   d.str(g["option"], join(p, "option")),
			Baseline: d.number(g["baseline"], join(p, "baseline")),
			Target:   d.number(g["target"], join(p, "target")),
		})
	}
	return c
}

func (d *decoder) question(n *yaml.Node, path string) Question {
	f := d.fields(n, path, questionFields)
	q := Question{
		ID:          d.str(f["id"], join(path, "id")),
		Kind:        Kind(d.str(f["kind"], join(path, "kind"))),
		Text:        d.text(f["text"], join(path, "text")),
		Max:         d.integer(f["max"], join(path, "max")),
		MaxLength:   d.integer(f["max_length"], join(path, "max_length")),
		Optional:    d.boolean(f["optional"], join(path, "optional")),
		Demographic: d.boolean(f["demographic"], join(path, "demographic")),
	}
	for i, o := range d.list(f["options"], join(path, "options")) {
		p := index(join(path, "options"), i)
		g := d.fields(o, p, optionFields)
		q.Options = append(q.Options, Option{
			ID:   d.str(g["id"], join(p, "id")),
			Text: d.text(g["text"], join(p, "text")),
		})
	}
	if w := f["when"]; w != nil && !isNull(w) {
		q.When = d.condition(w, join(path, "when"))
	}
	// Validate cannot tell an absent max or max_length from a zero one, so
	// the presence of one where it does not belong is checked here.
	if n := f["max"]; n != nil && q.Kind != KindMultiple && q.Max == 0 && !d.broken[join(path, "max")] {
		d.fail(join(path, "max"), n, "%s", msgMaxOnlyMultiple)
	}
	if n := f["max_length"]; n != nil && q.MaxLength == 0 && !d.broken[join(path, "max_length")] {
		if q.Kind == KindText {
			d.fail(join(path, "max_length"), n, "%s", msgMaxLengthRange)
		} else {
			d.fail(join(path, "max_length"), n, "%s", msgMaxLengthOnlyText)
		}
	}
	if f["max_length"] == nil && q.Kind == KindText {
		q.MaxLength = DefaultMaxLength
	}
	return q
}

func (d *decoder) condition(n *yaml.Node, path string) *Condition {
	f := d.fields(n, path, conditionFields)
	if f == nil {
		return nil
	}
	c := &Condition{Question: d.str(f["question"], join(path, "question"))}
	is, isPath := f["is"], join(path, "is")
	switch {
	case is == nil || !d.usable(is, isPath) || isNull(is):
	case is.Kind == yaml.SequenceNode:
		for i, item := range d.list(is, isPath) {
			c.Is = append(c.Is, d.str(item, index(isPath, i)))
		}
	default:
		d.lines[index(isPath, 0)] = is.Line
		c.Is = []string{d.str(is, index(isPath, 0))}
	}
	return c
}
