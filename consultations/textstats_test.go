package consultations

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// textAnswer is an answer given in a language.
type textAnswer struct{ text, lang string }

func tallyOf(t testing.TB, answers ...textAnswer) *TextTally {
	t.Helper()
	tt := NewTextTally()
	for _, a := range answers {
		tt.Add(a.text, a.lang, 1)
	}
	return tt
}

func es(texts ...string) []textAnswer {
	out := make([]textAnswer, len(texts))
	for i, s := range texts {
		out[i] = textAnswer{s, "es"}
	}
	return out
}

// tc builds a []TermCount from term, count pairs.
func tc(pairs ...any) []TermCount {
	var out []TermCount
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, TermCount{pairs[i].(string), pairs[i+1].(int)})
	}
	return out
}

// textState is what a reader of a tally sees.
type textState struct {
	Count   int
	Terms   []TermCount
	Phrases []TermCount
	Quotes  []string
}

func stateOf(t *TextTally) textState {
	return textState{t.Count(), t.Terms(-1), t.Phrases(-1), t.Quotes(-1)}
}

func TestTextTallyLanguages(t *testing.T) {
	tests := []struct {
		name, text, lang string
		terms, phrases   []TermCount
	}{
		{"es", "Más cámaras y mejor audio", "es",
			tc("audio", 1, "cámaras", 1, "mejor", 1), tc("mejor audio", 1)},
		{"pt", "mais câmeras e melhor áudio", "pt",
			tc("áudio", 1, "câmeras", 1, "melhor", 1), tc("melhor áudio", 1)},
		{"en", "Better audio, more cameras", "en",
			tc("audio", 1, "better", 1, "cameras", 1), tc("better audio", 1)},
		{"fr: son is sound, not a stop word", "Plus de caméras et un meilleur son", "fr",
			tc("caméras", 1, "meilleur", 1, "son", 1), tc("meilleur son", 1)},
		{"es: son is a verb", "Los diputados son responsables", "es",
			tc("diputados", 1, "responsables", 1), nil},
		{"fr elisions", "L'audio de l'Assemblée et l’accès aux débats", "fr",
			tc("accès", 1, "assemblée", 1, "audio", 1, "débats", 1), nil},
		{"en possessive and contractions", "The parliament's budget isn't public", "en",
			tc("budget", 1, "parliament", 1, "public", 1), tc("parliament budget", 1)},
		{"numbers and short words", "En 2024 hubo 3 sesiones de 90 minutos", "es",
			tc("minutos", 1, "sesiones", 1), nil},
		{"stop words of another language", "más transparencia por favor", "en",
			tc("transparencia", 1), nil},
		{"pt-BR", "Eu acho que a transmissão deveria ter legendas", "pt-BR",
			tc("legendas", 1, "transmissão", 1), nil},
		{"language without a list: the union applies", "Mehr Kameras und besseren Ton", "de",
			tc("besseren", 1, "kameras", 1, "mehr", 1, "und", 1), // French "ton"
			tc("kameras und", 1, "mehr kameras", 1, "und besseren", 1)},
		{"only stop words", "Que sea lo que tenga que ser", "es", nil, nil},
		{"empty", "", "es", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tally := tallyOf(t, textAnswer{tt.text, tt.lang})
			if got := tally.Terms(-1); !reflect.DeepEqual(got, tt.terms) {
				t.Errorf("Terms = %v, want %v", got, tt.terms)
			}
			if got := tally.Phrases(-1); !reflect.DeepEqual(got, tt.phrases) {
				t.Errorf("Phrases = %v, want %v", got, tt.phrases)
			}
			if got := tally.Count(); got != 1 {
				t.Errorf("Count = %d, want 1", got)
			}
		})
	}
}

func TestTextTallyAccents(t *testing.T) {
	tests := []struct {
		name    string
		answers []textAnswer
		want    []TermCount
	}{
		{"accented spelling wins", es("Más cámaras", "mas camaras", "CÁMARAS!"), tc("cámaras", 3)},
		{"unaccented spelling wins", es("camaras", "camaras", "Cámaras"), tc("camaras", 3)},
		{"tie: first alphabetically", es("camaras", "cámaras"), tc("camaras", 2)},
		{"decomposed accents", es("ca\u0301maras", "cámaras"), tc("cámaras", 2)},
		{"across languages", []textAnswer{{"audio", "es"}, {"áudio", "pt"}, {"áudio", "pt"}}, tc("áudio", 3)},
		{"ligature", []textAnswer{{"cœur", "fr"}, {"coeur", "fr"}, {"cœur", "fr"}}, tc("cœur", 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tallyOf(t, tt.answers...).Terms(-1); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Terms = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTextTallyDocumentFrequency(t *testing.T) {
	tally := tallyOf(t, es(
		"audio audio audio, mejor audio. Mejor audio",
		"Mejor audio, por favor",
		"Audio",
	)...)
	if got, want := tally.Terms(-1), tc("audio", 3, "mejor", 2); !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %v, want %v", got, want)
	}
	if got, want := tally.Phrases(-1), tc("mejor audio", 2); !reflect.DeepEqual(got, want) {
		t.Errorf("Phrases = %v, want %v", got, want)
	}
}

func TestTextTallyPhraseBoundaries(t *testing.T) {
	tests := []struct {
		text   string
		phrase bool
	}{
		{"mejor audio", true},
		{"mejor  audio", true},
		{"mejor\taudio", true},
		{"mejor-audio", true},
		{"mejor\u00a0audio", true},
		{"mejor. audio", false},
		{"mejor! audio", false},
		{"mejor? audio", false},
		{"mejor; audio", false},
		{"mejor: audio", false},
		{"mejor, audio", false},
		{"mejor\naudio", false},
		{"mejor (audio)", false},
		{"mejor 👍 audio", false},
		{"mejor del audio", false}, // a stop word between
		{"mejor 4k audio", false},  // a dropped word between
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var want []TermCount
			if tt.phrase {
				want = tc("mejor audio", 1)
			}
			if got := tallyOf(t, es(tt.text)...).Phrases(-1); !reflect.DeepEqual(got, want) {
				t.Errorf("Phrases = %v, want %v", got, want)
			}
		})
	}
}

func TestTextTallyOrderAndLimit(t *testing.T) {
	tally := tallyOf(t, es(
		"cámaras audio subtítulos",
		"cámaras audio",
		"cámaras votaciones",
		"zócalo",
	)...)
	tests := []struct {
		n    int
		want []TermCount
	}{
		{0, nil},
		{1, tc("cámaras", 3)},
		{3, tc("cámaras", 3, "audio", 2, "subtítulos", 1)},
		{-1, tc("cámaras", 3, "audio", 2, "subtítulos", 1, "votaciones", 1, "zócalo", 1)},
		{10, tc("cámaras", 3, "audio", 2, "subtítulos", 1, "votaciones", 1, "zócalo", 1)},
	}
	for _, tt := range tests {
		if got := tally.Terms(tt.n); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

// TestTextTallyTopMatchesSort checks the bounded selection against a full
// sort on a large random vocabulary.
func TestTextTallyTopMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tally := NewTextTally()
	for range 3000 {
		var words []string
		for range 1 + rng.IntN(6) {
			words = append(words, fmt.Sprintf("palabra%c%c", 'a'+rng.IntN(20), 'a'+rng.IntN(20)))
		}
		tally.Add(strings.Join(words, " "), "es", 1)
	}
	all := tally.Terms(-1)
	if !slices.IsSortedFunc(all, func(a, b TermCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Term, b.Term)
	}) {
		t.Fatal("Terms(-1) is not sorted by count then term")
	}
	for _, n := range []int{1, 2, 7, 50, 399, 400, 401} {
		if got, want := tally.Terms(n), all[:min(n, len(all))]; !reflect.DeepEqual(got, want) {
			t.Errorf("Terms(%d) differs from the first %d of Terms(-1)", n, n)
		}
	}
}

func TestTextTallyRemoveRestores(t *testing.T) {
	base := []textAnswer{
		{"Más cámaras y mejor audio en el plenario", "es"},
		{"mais câmeras e melhor áudio nas sessões", "pt"},
		{"Better audio, more cameras in committee rooms", "en"},
		{"Plus de caméras et un meilleur son", "fr"},
		{"camaras camaras camaras", "es"},
	}
	changes := []textAnswer{
		{"Más cámaras y mejor audio en el plenario", "es"}, // a repeat of a quote
		{"Mas camaras; mejor audio!", "es"},                // another spelling
		{"Subtítulos en lengua de señas, por favor", "es"},
		{"Cœur du débat : l'accès aux votes nominaux", "fr"},
		{"👍🏽 مزيد من الكاميرات 📷 وصوت أفضل", "ar"},
		{"", "es"},
		{"\xff\xfe broken utf-8 cámaras", "es"},
	}
	want := stateOf(tallyOf(t, base...))
	for _, c := range changes {
		t.Run(c.text, func(t *testing.T) {
			tally := tallyOf(t, base...)
			tally.Add(c.text, c.lang, 1)
			tally.Add(c.text, c.lang, -1)
			if got := stateOf(tally); !reflect.DeepEqual(got, want) {
				t.Errorf("after add and remove:\n got %+v\nwant %+v", got, want)
			}

			fresh := NewTextTally()
			fresh.Add(c.text, c.lang, 1)
			fresh.Add(c.text, c.lang, -1)
			assertEmpty(t, fresh)
		})
	}
}

func TestTextTallyRemoveNeverCounted(t *testing.T) {
	tally := NewTextTally()
	tally.Add("Más cámaras y mejor audio", "es", -1)
	assertEmpty(t, tally)
	tally.Add("Más cámaras", "es", 1)
	tally.Add("Mejor audio en el plenario", "es", -1)
	if got, want := stateOf(tally), (textState{Count: 0, Terms: tc("cámaras", 1)}); !reflect.DeepEqual(got, want) {
		t.Errorf("state = %+v, want %+v", got, want)
	}
}

func assertEmpty(t *testing.T, tally *TextTally) {
	t.Helper()
	if got := stateOf(tally); !reflect.DeepEqual(got, textState{}) {
		t.Errorf("state = %+v, want empty", got)
	}
	if len(tally.terms)+len(tally.phrases)+len(tally.quotes)+len(tally.quoteByText) != 0 {
		t.Errorf("%d terms, %d phrases, %d quotes left, want none",
			len(tally.terms), len(tally.phrases), len(tally.quotes))
	}
}

func TestTextTallyQuotes(t *testing.T) {
	// Document frequencies: audio 2, every other term 1.
	// a1: (1+1+2+1)/6 words = 0.83; a3: 4/6 = 0.67; a2: (2+1+1)/8 = 0.5.
	a1 := "Necesitamos mejor audio y más cámaras"
	a2 := "El audio de las sesiones es muy malo"
	a3 := "Publicar las votaciones nominales a tiempo"
	tests := []struct {
		name    string
		answers []textAnswer
		n       int
		want    []string
	}{
		{"ranked by term frequency per word", es(a1, a2, a3), -1, []string{a1, a3, a2}},
		{"at most n", es(a1, a2, a3), 2, []string{a1, a3}},
		{"a repeat once", es(a1, a1, " "+a1+"\n", a3), -1, []string{a1, a3}},
		{"a near duplicate once", es(a1, "necesitamos MEJOR audio y mas camaras", a2), -1,
			[]string{a1, a2}},
		{"too short or too long", es("Más cámaras", strings.Repeat("cámaras ", 36), a2), -1, []string{a2}},
		{"no terms", es("Que sea lo que tenga que ser", a2), -1, []string{a2}},
		{"none", nil, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tallyOf(t, tt.answers...).Quotes(tt.n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Quotes(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestTextTallyQuotesRemoved(t *testing.T) {
	a1 := "Necesitamos mejor audio y más cámaras"
	a2 := "El audio de las sesiones es muy malo"
	a3 := "Publicar las votaciones nominales a tiempo"
	tally := tallyOf(t, es(a1, a1, a2, a3)...)
	tally.Add(a1, "es", -1)
	if got, want := tally.Quotes(-1), []string{a1, a3, a2}; !reflect.DeepEqual(got, want) {
		t.Errorf("after removing one of two a1: Quotes = %q, want %q", got, want)
	}
	// Without a1, audio's frequency falls to 1: a2 scores 3/8, below a3.
	tally.Add(a1, "es", -1)
	if got, want := tally.Quotes(-1), []string{a3, a2}; !reflect.DeepEqual(got, want) {
		t.Errorf("after removing a1: Quotes = %q, want %q", got, want)
	}
}

func TestTextTallyQuotesBounded(t *testing.T) {
	answers := manyAnswers(5000)
	tally := tallyOf(t, answers...)
	again := tallyOf(t, answers...)
	if got := len(tally.quotes); got > quoteCandidates {
		t.Errorf("%d candidates kept, want at most %d", got, quoteCandidates)
	}
	quotes := tally.Quotes(-1)
	if len(quotes) == 0 || len(quotes) > quoteCandidates {
		t.Errorf("%d quotes, want 1 to %d", len(quotes), quoteCandidates)
	}
	seen := map[string]bool{}
	for _, q := range quotes {
		if seen[q] {
			t.Errorf("quote %q twice", q)
		}
		seen[q] = true
		if n := len([]rune(q)); n < quoteMinLength || n > quoteMaxLength {
			t.Errorf("quote %q has %d characters", q, n)
		}
	}
	if got, want := again.Quotes(-1), quotes; !reflect.DeepEqual(got, want) {
		t.Error("the same answers gave different quotes")
	}
	// The best quotes use the most frequent terms.
	top := tally.Terms(1)[0].Term
	if q := tally.Quotes(1)[0]; !strings.Contains(strings.ToLower(q), top) {
		t.Errorf("best quote %q lacks the top term %q", q, top)
	}
}

func TestTextTallyClone(t *testing.T) {
	orig := tallyOf(t, es("Necesitamos mejor audio y más cámaras", "camaras")...)
	before := stateOf(orig)
	clone := orig.Clone()
	clone.Add("Cámaras, cámaras y subtítulos para todas las sesiones", "es", 1)
	clone.Add("Necesitamos mejor audio y más cámaras", "es", -1)
	if got := stateOf(orig); !reflect.DeepEqual(got, before) {
		t.Errorf("original changed by its clone:\n got %+v\nwant %+v", got, before)
	}
	cloned := stateOf(clone)
	orig.Add("cámaras", "es", 1)
	orig.Add("cámaras", "es", 1)
	if got := stateOf(clone); !reflect.DeepEqual(got, cloned) {
		t.Errorf("clone changed by its original:\n got %+v\nwant %+v", got, cloned)
	}
	if got, want := orig.Terms(1), tc("cámaras", 4); !reflect.DeepEqual(got, want) {
		t.Errorf("original Terms(1) = %v, want %v", got, want)
	}
	if got, want := clone.Terms(1), tc("camaras", 2); !reflect.DeepEqual(got, want) {
		t.Errorf("clone Terms(1) = %v, want %v", got, want)
	}
}

func TestTextTallyOtherScripts(t *testing.T) {
	texts := []string{
		"👍🏽👍🏽👍🏽",
		"🇦🇷🇧🇷 ❤️ 👨‍👩‍👧",
		"مزيد من الكاميرات 📷 وصوت أفضل",
		"עוד מצלמות בבקשה",
		"\u200fשלום\u200e audio\u202e",
		"會議直播需要更多攝像機",
		"Ελληνικά: περισσότερες κάμερες",
		"\xff\xfe\xfd",
		"'''''",
		"l'", "d'l'", "'s", "audio's's",
		"\u0301\u0301 a\u0301\u0301\u0301",
	}
	for _, text := range texts {
		t.Run(text, func(t *testing.T) {
			tally := NewTextTally()
			tally.Add(text, "ar", 1)
			tally.Terms(-1)
			tally.Phrases(-1)
			tally.Quotes(-1)
			tally.Add(text, "ar", -1)
			assertEmpty(t, tally)
		})
	}
	tally := tallyOf(t, textAnswer{"مزيد من الكاميرات وصوت أفضل", "ar"})
	if got := tally.Terms(-1); !slices.Contains(got, TermCount{"الكاميرات", 1}) {
		t.Errorf("Terms = %v, want الكاميرات among them", got)
	}
}

func TestTextStopWords(t *testing.T) {
	tests := []struct {
		word string
		lang string
		stop bool
	}{
		{"estaríamos", "es", true},
		{"estariamos", "es", true},
		{"tínhamos", "pt", true},
		{"wouldn't", "en", true},
		{"wouldn’t", "en", true},
		{"eûmes", "fr", true},
		{"aujourd'hui", "fr", true},
		{"son", "es", true},
		{"son", "fr", false},
		{"son", "en", true}, // a stop word of Spanish, French aside
		{"car", "fr", true},
		{"car", "en", false},
		{"transmisión", "es", false},
		{"transmissão", "pt", false},
		{"cámaras", "es", false},
	}
	for _, tt := range tests {
		t.Run(tt.word+"/"+tt.lang, func(t *testing.T) {
			got := len(tallyOf(t, textAnswer{tt.word, tt.lang}).Terms(-1)) == 0
			if got != tt.stop {
				t.Errorf("stop word = %v, want %v", got, tt.stop)
			}
		})
	}
	if n := len(stopWords); n < 800 {
		t.Errorf("%d stop words, want the usual lists", n)
	}
	lists := map[string]string{"es": stopES, "pt": stopPT, "en": stopEN, "fr": stopFR}
	for lang, list := range lists {
		for _, w := range strings.Fields(list) {
			if got := tallyOf(t, textAnswer{w, lang}).Terms(-1); got != nil {
				t.Errorf("%s stop word %q gives terms %v", lang, w, got)
			}
		}
	}
}

// TestTextLatinIsComposed checks what addWord assumes: characters below
// latinEnd never need composing, so words made of them are already NFC.
func TestTextLatinIsComposed(t *testing.T) {
	for r := range rune(latinEnd) {
		if s := string(r) + "a"; !norm.NFC.IsNormalString(s) {
			t.Errorf("%U: %q is not NFC", r, s)
		}
	}
}

func FuzzTextTally(f *testing.F) {
	for _, s := range []string{
		"Más cámaras y mejor audio", "mais câmeras e melhor áudio",
		"Better audio, more cameras", "Plus de caméras et un meilleur son",
		"l'audio d'l'x qu'", "👍🏽 مزيد من الكاميرات", "\xff", "a\u0301\u0301",
	} {
		f.Add(s, "es")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		tally := NewTextTally()
		tally.Add(text, lang, 1)
		for _, term := range append(tally.Terms(-1), tally.Phrases(-1)...) {
			if term.Count != 1 || term.Term == "" {
				t.Fatalf("term %+v after one answer", term)
			}
		}
		tally.Add(text, lang, -1)
		assertEmpty(t, tally)
	})
}

// manyAnswers returns n short answers in the four languages, drawn from a
// small vocabulary so that some terms are far more frequent than others.
func manyAnswers(n int) []textAnswer {
	openings := map[string][]string{
		"es": {"Más", "Me gustaría", "Necesitamos", "Quiero", "Falta"},
		"pt": {"Mais", "Gostaria de", "Precisamos de", "Falta"},
		"en": {"More", "I would like", "We need", "Please add"},
		"fr": {"Plus de", "J'aimerais", "Il faut", "Nous voulons"},
	}
	topics := map[string][]string{
		"es": {"cámaras", "audio", "subtítulos", "votaciones nominales", "transparencia", "horarios", "debates", "lengua de señas", "datos abiertos", "participación ciudadana"},
		"pt": {"câmeras", "áudio", "legendas", "votações nominais", "transparência", "horários", "debates", "libras", "dados abertos", "participação cidadã"},
		"en": {"cameras", "audio", "subtitles", "roll-call votes", "transparency", "schedules", "debates", "sign language", "open data", "citizen participation"},
		"fr": {"caméras", "son", "sous-titres", "votes nominatifs", "transparence", "horaires", "débats", "langue des signes", "données ouvertes", "participation citoyenne"},
	}
	joins := map[string]string{"es": " y ", "pt": " e ", "en": " and ", "fr": " et "}
	rng := rand.New(rand.NewPCG(7, 11))
	zipf := func(k int) int { // small indexes far more often
		return min(int(float64(k)*rng.Float64()*rng.Float64()), k-1)
	}
	out := make([]textAnswer, n)
	for i := range out {
		lang := Languages[rng.IntN(len(Languages))]
		o, tp := openings[lang], topics[lang]
		text := o[rng.IntN(len(o))] + " " + tp[zipf(len(tp))] + joins[lang] + tp[zipf(len(tp))]
		if rng.IntN(3) == 0 {
			text += fmt.Sprintf(" en la sesión %d", rng.IntN(500))
		}
		out[i] = textAnswer{text, lang}
	}
	return out
}

func BenchmarkTextTallyAdd(b *testing.B) {
	answers := manyAnswers(10000)
	tally := NewTextTally()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := answers[i%len(answers)]
		tally.Add(a.text, a.lang, 1)
	}
}

func BenchmarkTextTallyReport(b *testing.B) {
	tally := tallyOf(b, manyAnswers(100000)...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := tally.Clone()
		c.Terms(20)
		c.Phrases(20)
		c.Quotes(5)
	}
}
