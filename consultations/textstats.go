package consultations

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of the text summary.
const (
	minTermLetters    = 3    // shorter words are not terms
	quoteMinLength    = 20   // shortest quote, in characters
	quoteMaxLength    = 280  // longest quote, in characters
	quoteCandidates   = 200  // answers kept as possible quotes
	quoteRescoreEvery = 1024 // answers between re-scorings of the kept quotes
)

// TextTally is the running summary of a text question's answers: term and
// two-word phrase counts and candidate quotes, updated as answers arrive,
// change or are removed.
//
// Counts are document frequencies: a term or phrase counts once per answer
// however often the answer repeats it, so a count reads as "how many people
// mentioned it". Words are matched lower-cased and without accents
// ("Cámaras", "camaras"), and shown as people wrote them most often. A
// TextTally is not safe for concurrent use; read a Clone instead.
type TextTally struct {
	count       int
	terms       textCounts
	phrases     textCounts
	quotes      []*quoteCandidate
	quoteByText map[string]*quoteCandidate
	weakest     int // index of the weakest quote, -1 when not known
	sinceScored int // answers added since the quotes were last re-scored
	scratch     textScratch
}

// TermCount is a term or phrase and the number of answers that use it. Term
// is shown as people wrote it most often (with accents); terms are matched
// accent-folded.
type TermCount struct {
	Term  string
	Count int
}

// textCounts maps an accent-folded term or phrase to its count.
type textCounts map[string]*textEntry

type textEntry struct {
	key   string
	count int
	forms []textForm // spellings seen, lower-cased with accents
}

type textForm struct {
	form string
	n    int
}

// quoteCandidate is an answer kept as a possible quote. Its score is the sum
// of its terms' document frequencies divided by its number of words.
type quoteCandidate struct {
	text  string
	norm  string   // its folded words, to show near duplicates once
	terms []string // its distinct terms
	words int
	sum   int // sum of its terms' counts when last scored
	refs  int // answers with this exact text
}

// NewTextTally returns an empty tally.
func NewTextTally() *TextTally {
	return &TextTally{
		terms:       textCounts{},
		phrases:     textCounts{},
		quoteByText: map[string]*quoteCandidate{},
		weakest:     -1,
	}
}

// Add counts an answer (sign +1) or removes one counted before (sign -1);
// lang is the response's language (es, pt, en, fr; others: no stop words
// beyond the union).
//
// Removing exactly undoes adding the same text and language, except that a
// quote pushed out of the bounded set of candidates does not come back.
func (t *TextTally) Add(text, lang string, sign int) {
	switch {
	case sign > 0:
		sign = 1
	case sign < 0 && t.count > 0:
		sign = -1
	default:
		return
	}
	t.count += sign
	s := &t.scratch
	s.tokenize(text, languageBit(lang))

	// Terms, once per answer.
	sum, distinct := 0, 0
	s.termKeys = s.termKeys[:0]
	for i := range s.words {
		w := &s.words[i]
		if !w.kept || s.seenTerm(i) {
			continue
		}
		distinct++
		e := t.terms.add(s.buf[w.k0:w.k1], s.buf[w.f0:w.f1], sign)
		if e != nil {
			sum += e.count
			s.termKeys = append(s.termKeys, e.key)
		}
	}

	// Phrases: two kept words next to each other, once per answer.
	s.pairKeys, s.pairForms, s.pairs = s.pairKeys[:0], s.pairForms[:0], s.pairs[:0]
	for i := 1; i < len(s.words); i++ {
		a, b := &s.words[i-1], &s.words[i]
		if !a.kept || !b.kept || !b.joined || string(s.buf[a.k0:a.k1]) == string(s.buf[b.k0:b.k1]) {
			continue
		}
		p := textSpan{k0: len(s.pairKeys), f0: len(s.pairForms)}
		s.pairKeys = append(append(append(s.pairKeys, s.buf[a.k0:a.k1]...), ' '), s.buf[b.k0:b.k1]...)
		s.pairForms = append(append(append(s.pairForms, s.buf[a.f0:a.f1]...), ' '), s.buf[b.f0:b.f1]...)
		p.k1, p.f1 = len(s.pairKeys), len(s.pairForms)
		if s.seenPair(p) {
			s.pairKeys, s.pairForms = s.pairKeys[:p.k0], s.pairForms[:p.f0]
			continue
		}
		s.pairs = append(s.pairs, p)
		t.phrases.add(s.pairKeys[p.k0:p.k1], s.pairForms[p.f0:p.f1], sign)
	}

	t.updateQuotes(text, sign, sum, distinct)
}

// Count returns the number of answers counted.
func (t *TextTally) Count() int { return t.count }

// Terms returns the n terms most answers use, stop words removed, by count
// then alphabetically; n < 0 returns them all.
func (t *TextTally) Terms(n int) []TermCount { return t.terms.top(n) }

// Phrases returns the n two-word phrases most answers use (two different
// words next to each other, neither a stop word, with only spaces or a
// hyphen between), by count then alphabetically; n < 0 returns them all.
func (t *TextTally) Phrases(n int) []TermCount { return t.phrases.top(n) }

// Quotes returns up to n distinct answers that best represent the others:
// 20 to 280 characters long and dense in the most frequent terms. n < 0
// returns every candidate. Candidates are a bounded sample, so with many
// answers a good quote may have been passed over.
func (t *TextTally) Quotes(n int) []string {
	if n == 0 || len(t.quotes) == 0 {
		return nil
	}
	ranked := make([]quoteCandidate, len(t.quotes))
	for i, q := range t.quotes {
		ranked[i] = *q
		ranked[i].sum = t.quoteSum(q)
	}
	slices.SortFunc(ranked, func(a, b quoteCandidate) int {
		if quoteBetter(&a, &b) {
			return -1
		}
		if quoteBetter(&b, &a) {
			return 1
		}
		return 0
	})
	var out []string
	seen := make(map[string]bool, len(ranked))
	for i := range ranked {
		if n > 0 && len(out) == n {
			break
		}
		if q := &ranked[i]; !seen[q.norm] {
			seen[q.norm] = true
			out = append(out, q.text)
		}
	}
	return out
}

// Clone returns an independent copy, so a report can read a snapshot while
// answers keep arriving.
func (t *TextTally) Clone() *TextTally {
	c := NewTextTally()
	c.count = t.count
	c.sinceScored = t.sinceScored
	c.terms = t.terms.clone()
	c.phrases = t.phrases.clone()
	c.quotes = make([]*quoteCandidate, len(t.quotes))
	for i, q := range t.quotes {
		cq := *q // terms and strings are never modified in place
		c.quotes[i] = &cq
		c.quoteByText[cq.text] = &cq
	}
	return c
}

// add counts a term or phrase once more (sign 1) or once less (sign -1) and
// returns its entry, or nil once it is gone.
func (m textCounts) add(key, form []byte, sign int) *textEntry {
	e := m[string(key)]
	if e == nil {
		if sign < 0 {
			return nil
		}
		e = &textEntry{key: string(key)}
		m[e.key] = e
	}
	e.count += sign
	e.addForm(form, sign)
	if e.count <= 0 {
		delete(m, e.key)
		return nil
	}
	return e
}

func (e *textEntry) addForm(form []byte, sign int) {
	for i := range e.forms {
		if e.forms[i].form == string(form) {
			e.forms[i].n += sign
			if e.forms[i].n <= 0 {
				e.forms = slices.Delete(e.forms, i, i+1)
			}
			return
		}
	}
	if sign > 0 {
		f := e.key // most words have no accents: share the key's bytes
		if f != string(form) {
			f = string(form)
		}
		e.forms = append(e.forms, textForm{form: f, n: 1})
	}
}

// display is the spelling seen most often, the first alphabetically on ties.
func (e *textEntry) display() string {
	if len(e.forms) == 0 {
		return e.key
	}
	best := e.forms[0]
	for _, f := range e.forms[1:] {
		if f.n > best.n || f.n == best.n && f.form < best.form {
			best = f
		}
	}
	return best.form
}

// ranksBefore orders entries by count, then by folded key.
func ranksBefore(a, b *textEntry) bool {
	return a.count > b.count || a.count == b.count && a.key < b.key
}

// top returns the n best entries, keeping only n of them while scanning.
func (m textCounts) top(n int) []TermCount {
	if n == 0 || len(m) == 0 {
		return nil
	}
	if n < 0 || n > len(m) {
		n = len(m)
	}
	// h is a heap whose root is the worst of the best n seen so far.
	h := make([]*textEntry, 0, n)
	for _, e := range m {
		if len(h) < n {
			h = append(h, e)
			if len(h) == n {
				for i := n/2 - 1; i >= 0; i-- {
					siftDown(h, i)
				}
			}
			continue
		}
		if ranksBefore(e, h[0]) {
			h[0] = e
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, func(a, b *textEntry) int {
		if ranksBefore(a, b) {
			return -1
		}
		return 1 // keys are distinct
	})
	out := make([]TermCount, len(h))
	for i, e := range h {
		out[i] = TermCount{Term: e.display(), Count: e.count}
	}
	return out
}

func siftDown(h []*textEntry, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if r := c + 1; r < len(h) && ranksBefore(h[c], h[r]) {
			c = r
		}
		if !ranksBefore(h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func (m textCounts) clone() textCounts {
	c := make(textCounts, len(m))
	for k, e := range m {
		ce := *e
		ce.forms = slices.Clone(e.forms)
		c[k] = &ce
	}
	return c
}

// updateQuotes offers an added answer as a quote, or withdraws a removed
// one. sum is the sum of its terms' counts, distinct their number.
func (t *TextTally) updateQuotes(text string, sign, sum, distinct int) {
	s := &t.scratch
	text = strings.TrimSpace(text)
	if distinct == 0 || len(text) < quoteMinLength || len(text) > 4*quoteMaxLength {
		return
	}
	if n := utf8.RuneCountInString(text); n < quoteMinLength || n > quoteMaxLength {
		return
	}
	q := t.quoteByText[text]
	if sign < 0 {
		if q != nil {
			if q.refs--; q.refs == 0 {
				t.dropQuote(q)
			}
		}
		return
	}
	if q != nil {
		q.refs++
		return
	}
	if t.sinceScored++; t.sinceScored >= quoteRescoreEvery {
		t.rescoreQuotes()
	}
	c := quoteCandidate{text: text, words: max(len(s.words), 1), sum: sum, refs: 1}
	if len(t.quotes) >= quoteCandidates {
		w := t.weakestQuote()
		if !quoteBetter(&c, t.quotes[w]) {
			return
		}
		t.dropQuote(t.quotes[w])
	}
	q = &quoteCandidate{
		text:  strings.Clone(text), // not the caller's buffer
		norm:  s.normalized(),
		terms: slices.Clone(s.termKeys),
		words: c.words,
		sum:   c.sum,
		refs:  1,
	}
	t.quotes = append(t.quotes, q)
	t.quoteByText[q.text] = q
	t.weakest = -1
}

func (t *TextTally) dropQuote(q *quoteCandidate) {
	delete(t.quoteByText, q.text)
	i := slices.Index(t.quotes, q)
	last := len(t.quotes) - 1
	t.quotes[i] = t.quotes[last]
	t.quotes[last] = nil
	t.quotes = t.quotes[:last]
	t.weakest = -1
}

func (t *TextTally) weakestQuote() int {
	if t.weakest < 0 {
		t.weakest = 0
		for i, q := range t.quotes {
			if quoteBetter(t.quotes[t.weakest], q) {
				t.weakest = i
			}
		}
	}
	return t.weakest
}

// rescoreQuotes brings the kept quotes' scores up to date, as their terms'
// counts grow with later answers.
func (t *TextTally) rescoreQuotes() {
	for _, q := range t.quotes {
		q.sum = t.quoteSum(q)
	}
	t.sinceScored = 0
	t.weakest = -1
}

func (t *TextTally) quoteSum(q *quoteCandidate) int {
	sum := 0
	for _, k := range q.terms {
		if e := t.terms[k]; e != nil {
			sum += e.count
		}
	}
	return sum
}

// quoteBetter reports whether a ranks before b: a higher sum of term counts
// per word, then the text alphabetically.
func quoteBetter(a, b *quoteCandidate) bool {
	x, y := int64(a.sum)*int64(b.words), int64(b.sum)*int64(a.words)
	return x > y || x == y && a.text < b.text
}
