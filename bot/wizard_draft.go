package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/parlabot/parlabot/consultations"
)

// The data a /new dialogue gathers, in Wizard.Data. Texts are kept under
// "<field>.<language>"; options one per line.
const (
	keyCommitmentNew   = "commitment.new" // "1": a commitment typed in the dialogue
	keyCommitmentID    = "commitment.id"
	keyCommitmentTitle = "commitment.title" // + "." + language
	keyPillar          = "commitment.pillar"
	keyParliament      = "commitment.parliament"
	keyTitle           = "title"   // + "." + language
	keyKind            = "kind"    // a consultations.Kind
	keyText            = "text"    // + "." + language
	keyOptions         = "options" // + "." + language, one option per line
	keyMax             = "max"     // multiple: most options a citizen may choose
	keySlug            = "slug"    // chosen when the clerk saves
)

// Limits on what a clerk types in /new, in characters: short enough to read
// on a phone and to fit on a button.
const (
	maxTitleLength    = 120
	maxQuestionLength = 300
	maxOptionLength   = 60
	minOptions        = 2
	maxOptions        = 10
	maxSlugLength     = 48
	quickQuestionID   = "q1"
	draftLanguage     = "es" // the default language of a consultation made in chat
)

// wizardKinds are the question kinds /new offers, in the order of its buttons.
var wizardKinds = []consultations.Kind{
	consultations.KindSatisfaction, consultations.KindScale, consultations.KindSingle, consultations.KindMultiple,
}

// hasOptions reports whether a question of the kind needs options.
func hasOptions(k consultations.Kind) bool {
	return k == consultations.KindSingle || k == consultations.KindMultiple
}

// draftText gathers a multilingual text kept under prefix.
func draftText(data map[string]string, prefix string) consultations.Text {
	t := consultations.Text{}
	for _, l := range consultations.Languages {
		if s := data[prefix+"."+l]; s != "" {
			t[l] = s
		}
	}
	return t
}

// draftConsultation is the consultation a /new dialogue has gathered so far,
// as a draft under the slug.
func draftConsultation(data map[string]string, slug string) *consultations.Consultation {
	c := &consultations.Consultation{
		Slug:            slug,
		DefaultLanguage: draftLanguage,
		Status:          consultations.StatusDraft,
		Commitment: consultations.Commitment{
			ID:         data[keyCommitmentID],
			Pillar:     consultations.Pillar(data[keyPillar]),
			Parliament: data[keyParliament],
			Title:      draftText(data, keyCommitmentTitle),
		},
		Title: draftText(data, keyTitle),
	}
	q := consultations.Question{ID: quickQuestionID, Kind: consultations.Kind(data[keyKind]), Text: draftText(data, keyText)}
	if hasOptions(q.Kind) {
		es, pt := lines(data[keyOptions+".es"]), lines(data[keyOptions+".pt"])
		for i, id := range optionIDs(es) {
			o := consultations.Option{ID: id, Text: consultations.Text{"es": es[i]}}
			if i < len(pt) {
				o.Text["pt"] = pt[i]
			}
			q.Options = append(q.Options, o)
		}
		if q.Kind == consultations.KindMultiple {
			q.Max, _ = strconv.Atoi(data[keyMax])
		}
	}
	c.Questions = []consultations.Question{q}
	return c
}

// lines splits a message into its non-empty lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// optionIDs names options after their text ("Sitio web" -> "sitio-web"),
// so that exports read well, falling back to o1, o2... when a text gives
// no usable id or two would be the same.
func optionIDs(texts []string) []string {
	ids := make([]string, 0, len(texts))
	for i, t := range texts {
		id := slugify(t, 32)
		for n := i + 1; id == "" || slices.Contains(ids, id); n++ {
			id = "o" + strconv.Itoa(n)
		}
		ids = append(ids, id)
	}
	return ids
}

// slugify turns a text into lower-case letters, digits and dashes, accents
// folded ("Sesión del Pleno" -> "sesion-del-pleno"), at most max bytes,
// cut between words when it is longer.
func slugify(s string, max int) string {
	var sb strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent, folded away
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
			dash = false
		case sb.Len() > 0 && !dash:
			sb.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(sb.String(), "-")
	if len(out) > max {
		cut := out[:max]
		if i := strings.LastIndexByte(cut, '-'); out[max] != '-' && i > 0 {
			cut = cut[:i] // at a word's end, not in the middle of one
		}
		out = strings.TrimRight(cut, "-")
	}
	return out
}

// freeSlug returns the slug for a consultation titled title: its slugified
// form, with -2, -3... when that is taken.
func (b *Bot) freeSlug(ctx context.Context, title string) (string, error) {
	base := slugify(title, maxSlugLength)
	if base == "" {
		base = "consulta"
	}
	return freeName(base, func(slug string) (bool, error) {
		_, err := b.store.Consultation(ctx, slug)
		switch consultations.ErrorCode(err) {
		case "":
			return true, nil
		case consultations.ENOTFOUND:
			return false, nil
		}
		return false, err
	})
}

// freeName returns base, or base-2, base-3... the first that taken says is
// free.
func freeName(base string, taken func(string) (bool, error)) (string, error) {
	name := base
	for n := 2; ; n++ {
		used, err := taken(name)
		if err != nil || !used {
			return name, err
		}
		name = base + "-" + strconv.Itoa(n)
	}
}

// knownCommitments lists the commitments of the stored consultations, each
// once (as its most recently updated consultation has it), most recent
// first, at most limit.
func (b *Bot) knownCommitments(ctx context.Context, limit int) ([]consultations.Commitment, error) {
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(x, y *consultations.Consultation) int { return y.Updated.Compare(x.Updated) })
	var out []consultations.Commitment
	for _, c := range all {
		if c.Commitment.ID == "" || slices.ContainsFunc(out, func(cm consultations.Commitment) bool { return cm.ID == c.Commitment.ID }) {
			continue
		}
		out = append(out, c.Commitment)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// commitmentByKey finds a stored commitment by its key in button data.
func (b *Bot) commitmentByKey(ctx context.Context, key string) (*consultations.Commitment, error) {
	known, err := b.knownCommitments(ctx, 0)
	if err != nil {
		return nil, err
	}
	for i := range known {
		if slugKey(known[i].ID) == key {
			return &known[i], nil
		}
	}
	return nil, nil
}

// newCommitmentID is an id for a commitment typed in /new: its title
// slugified, not used by a stored commitment.
func (b *Bot) newCommitmentID(ctx context.Context, title string) (string, error) {
	known, err := b.knownCommitments(ctx, 0)
	if err != nil {
		return "", err
	}
	base := slugify(title, 32)
	if base == "" {
		base = "compromiso"
	}
	return freeName(base, func(id string) (bool, error) {
		return slices.ContainsFunc(known, func(cm consultations.Commitment) bool { return cm.ID == id }), nil
	})
}
