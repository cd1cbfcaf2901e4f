package consultations

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// This file says which words of a text answer count as terms: how answers
// are split into words, how words are folded for matching, and the stop
// words of each language, which carry no theme of their own.

// Language bits, for stop words.
const (
	langES uint8 = 1 << iota
	langPT
	langEN
	langFR
)

// languageBit returns the bit of a response's language ("es", "pt-BR"), or
// 0 for a language without a stop word list.
func languageBit(lang string) uint8 {
	if len(lang) > 2 && (lang[2] == '-' || lang[2] == '_') {
		lang = lang[:2]
	}
	switch {
	case strings.EqualFold(lang, "es"):
		return langES
	case strings.EqualFold(lang, "pt"):
		return langPT
	case strings.EqualFold(lang, "en"):
		return langEN
	case strings.EqualFold(lang, "fr"):
		return langFR
	}
	return 0
}

// stopWord says in which languages a folded word is a stop word, and in
// which it is a content word that the other languages' lists must not
// remove (French "son", sound, is Spanish "son", are).
type stopWord struct{ stop, keep uint8 }

// stopWords maps an accent-folded word to its languages.
var stopWords = buildStopWords()

// isStopWord reports whether a folded word is a stop word for a response in
// lang: a stop word of lang, or of any of the four languages (answers mix
// them) unless it is a content word in lang.
func isStopWord(key []byte, lang uint8) bool {
	w, ok := stopWords[string(key)]
	return ok && (w.stop&lang != 0 || w.keep&lang == 0)
}

func buildStopWords() map[string]stopWord {
	m := map[string]stopWord{}
	add := func(lang uint8, list string, keep bool) {
		for _, w := range strings.Fields(list) {
			key, _, _ := appendFolded(nil, []byte(strings.ToLower(w)))
			sw := m[string(key)]
			if keep {
				sw.keep |= lang
			} else {
				sw.stop |= lang
			}
			m[string(key)] = sw
		}
	}
	add(langES, stopES, false)
	add(langPT, stopPT, false)
	add(langEN, stopEN, false)
	add(langFR, stopFR, false)
	add(langEN, keepEN, true)
	add(langFR, keepFR, true)
	return m
}

// Content words that are stop words in another language.
const (
	keepEN = `car sea era con sin`
	keepFR = `son`
)

// The stop word lists start from the Snowball project's lists and add the
// forms of the common verbs (ser, estar, haber, tener, ter, haver, être,
// avoir, faire, be, have, do...), contractions, and the words people use to
// frame an opinion in a survey ("me gustaría", "acho", "I think",
// "je pense"). Words shorter than three letters are never terms, so the
// lists may omit them.
const stopES = `
a al algo alguien algún alguna algunas alguno algunos allá allí ahí ante
antes aquel aquella aquellas aquello aquellos aquí así aún aunque bajo bien
cada casi cierta ciertas cierto ciertos como cómo con contra cosa cosas cual
cuál cuales cuáles cualquier cualquiera cuando cuándo cuanto cuánto cuanta
cuánta cuantos cuántos cuantas cuántas de del demás dentro desde donde dónde
durante el él ella ellas ellos en entonces entre era erais eran eras eres es
esa esas ese eso esos esta está estaba estabais estaban estabas estad estada
estadas estado estados estamos estáis están estar estará estarán estarás
estaré estaréis estaremos estaría estaríais estaríamos estarían estarías
estas estás este esté estéis estemos estén estés esto estos estoy estuve
estuviera estuvierais estuvieran estuvieras estuvieron estuviese estuvieseis
estuviesen estuvieses estuvimos estuviste estuvisteis estuviéramos
estuviésemos estuvo etc éramos fue fuera fuerais fueran fueras fueron fuese
fueseis fuesen fueses fui fuimos fuiste fuisteis fuéramos fuésemos ha había
habíais habíamos habían habías habéis habida habidas habido habidos habiendo
habrá habrán habrás habré habréis habremos habría habríais habríamos habrían
habrías han has hasta hay haya hayamos hayan hayas hayáis he hemos hube
hubiera hubierais hubieran hubieras hubieron hubiese hubieseis hubiesen
hubieses hubimos hubiste hubisteis hubiéramos hubiésemos hubo haber hacer
hace hacen haces hacemos hago hizo hicieron hecho hacia haga hagan incluso
ir iba iban jamás la las le les lo los luego mas más me mediante menos mi
mí mía mías mientras mío míos mis misma mismas mismo mismos mucha muchas
mucho muchos muy nada nadie ni ningún ninguna ninguno no nos nosotras
nosotros nuestra nuestras nuestro nuestros nunca o os otra otras otro otros
para parece pero poco poca pocos pocas podemos poder podría podrían podríamos
pueda puedan puede pueden puedes puedo pues por porque qué que quien quién
quienes quiénes se sea seamos sean seas según ser será serán serás seré
seréis seremos sería seríais seríamos serían serías seáis si sí siempre
siendo sido sin sino sobre sois solamente solo sólo somos son soy su sus
suya suyas suyo suyos tal también tampoco tan tanta tantas tanto tantos te
tendrá tendrán tendrás tendré tendréis tendremos tendría tendríais
tendríamos tendrían tendrías tened tenemos tener tenga tengamos tengan tengas
tengo tengáis tenida tenidas tenido tenidos teniendo tenéis tenía teníais
teníamos tenían tenías ti tiene tienen tienes toda todas todavía todo todos
tras tu tú tus tuve tuviera tuvierais tuvieran tuvieras tuvieron tuviese
tuvieseis tuviesen tuvieses tuvimos tuviste tuvisteis tuviéramos tuviésemos
tuvo tuya tuyas tuyo tuyos un una unas uno unos usted ustedes va vamos van
vas vaya ver vez veces voy vosotras vosotros vuestra vuestras vuestro
vuestros ya yo además dar dice dicen decir debe deben debería deberían
debemos deberíamos creo cree pienso considero opino gustaría gusta quiero
quisiera querría pido propongo sugiero favor gracias necesito necesita
necesitamos necesitan
`

const stopPT = `
a à ao aos aquela aquelas aquele aqueles aquilo as às até através após ante
apenas algo alguém algum alguma algumas alguns ainda além ali assim bem cá
cada coisa coisas com como contra contudo da daquela daquele daquilo das de
dela delas dele deles depois desde dessa desse desta deste disso disto do dos
durante e é ela elas ele eles em embora enquanto entre era eram éramos essa
essas esse esses esta está estamos estão estar estas estava estavam
estávamos este esteja estejam estejamos estes esteve estive estivemos
estiver estivera estiveram estiverem estivermos estivesse estivessem
estivéramos estivéssemos estou eu etc faz fazem fazer fez feito foi fomos for
fora foram forem formos fosse fossem fôramos fôssemos fui há haja hajam
hajamos hão havemos haver hei houve houvemos houver houvera houverá
houveram houverão houverei houverem houveremos houveria houveriam
houvermos houveríamos houvesse houvessem houvéramos houvéssemos isso isto já
lá lhe lhes mais mas me menos mesma mesmas mesmo mesmos meu meus minha
minhas muita muitas muito muitos na nada não naquela naquele naquilo nas
nela nele nem nenhum nenhuma nessa nesse nesta neste nisso nisto no nos nós
nossa nossas nosso nossos num numa nunca o os ou outra outras outro outros
para pela pelas pelo pelos per perante pode podem poder poderia poderiam
podemos posso pois porém por porque pouca poucas pouco poucos quais qual
qualquer quando quanto quanta quantos quantas que quê quem se seja sejam
sejamos sem sempre sendo senão ser será serão serei seremos seria seriam
seríamos seu seus sido só sob sobre somos sou sua suas tal também tampouco
tanto tão te tem têm temos tenha tenham tenhamos tenho ter terá terão terei
teremos teria teriam teríamos teu teus teve tinha tinham tínhamos tive
tivemos tiver tivera tiveram tiverem tivermos tivesse tivessem tivéramos
tivéssemos toda todas todavia todo todos tu tua tuas tudo um uma umas uns
vai vão vamos ver vez vezes você vocês vos vou deve devem deveria deveriam
devemos dizer diz dar dum duma nuns numas acho acredito penso considero
gostaria gosto quero queria peço sugiro favor obrigado obrigada preciso
precisa precisamos precisam
`

const stopEN = `
a about above after again against all also am an and another any anyone
anything are aren't as at be because been before being below between both but
by can can't cannot could couldn't did didn't do does doesn't doing don't
done down during each either else enough etc even ever every few for from
further get gets getting got had hadn't has hasn't have haven't having he
he'd he'll he's her here here's hers herself him himself his how how's however
i i'd i'll i'm i've if in into is isn't it it's its itself just least less
let let's like lot lots made make many may maybe me might more most much must
mustn't my myself need needn't neither never no nor not now of off often on
once one only onto or other others ought our ours ourselves out over own
please quite rather really same shall shan't she she'd she'll she's should
shouldn't since so some something still such than that that's the their
theirs them themselves then there there's these they they'd they'll they're
they've thing things think this those though through thus to too under until
up upon us very via want was wasn't way we we'd we'll we're we've well were
weren't what what's when when's where where's whether which while who who's
whom whose why why's will with within without won't would wouldn't yes yet
you you'd you'll you're you've your yours yourself yourselves believe feel
suggest thank thanks
`

const stopFR = `
à afin ai aie aient aies ait alors as au aucun aucune aujourd'hui auquel aura
aurai auraient aurais aurait auras aurez auriez aurions aurons auront aussi
autre autres aux avaient avais avait avant avec avez aviez avions avoir avons
ayant ayez ayons beaucoup bien c'est car ce ceci cela celle celles celui ceux
ces cet cette chaque chez chose choses comme comment contre dans de depuis des
déjà devrait devraient doit doivent donc dont du elle elles en encore entre es
est et étaient étais était étant été êtes étiez étions être eu eue eues eûmes
eurent eus eusse eussent eusses eussiez eussions eut eût eûtes eux faire fais
fait faite faites faut font fûmes furent fus fusse fussent fusses fussiez
fussions fut fût fûtes ici il ils je jusqu jusque la là le les leur leurs
lorsqu lorsque lui ma mais me même mêmes mes moi moins mon ne ni non nos notre
nous on ont ou où oui par parce pas pendant peu peut peuvent peux plus plutôt
pour pourquoi pourrait pourraient pouvoir puis puisqu puisque qu quand que
quel quelle quelles quels quelque quelques qui quoi quoiqu rien sa sans se
selon sera serai seraient serais serait seras serez seriez serions serons
seront ses si sien sienne soi soient sois soit sommes sont sous soyez soyons
suis sur ta tant te tes toi ton toujours tous tout toute toutes très trop tu
un une vers via voici voilà vont vos votre vôtre vous aller va vais allons
allez etc aimerais aimerions voudrais voudrions souhaite souhaiterais pense
pensons crois trouve trouvons propose suggère merci svp veux veut voulons
voulez veulent vouloir besoin quelqu'un quelqu'une
`

// textScratch holds the buffers Add reuses from one answer to the next.
type textScratch struct {
	words     []textWord
	buf       []byte // the words' spellings, lower-cased, and their folded keys
	pairs     []textSpan
	pairKeys  []byte
	pairForms []byte
	termKeys  []string
	nfc       []byte
	long      bool // many words: look for repeats in the sets, not by scanning
	termSet   map[string]struct{}
	pairSet   map[string]struct{}
}

// textWord is a word of an answer, as spans of the scratch buffers.
type textWord struct {
	k0, k1, f0, f1 int
	kept           bool // a term: three letters or more, not a number, not a stop word
	joined         bool // only spaces or a hyphen separate it from the word before
}

type textSpan struct{ k0, k1, f0, f1 int }

// longAnswer is the number of words past which repeats are found with a map.
const longAnswer = 48

// tokenize splits text into words. Apostrophes split French elisions (l',
// d', qu') and English possessives ('s) and stay inside other words (don't,
// aujourd'hui).
func (s *textScratch) tokenize(text string, lang uint8) {
	s.words, s.buf = s.words[:0], s.buf[:0]
	start, joined := -1, false
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case isWordRune(r) || start >= 0 && isMark(r):
			if start < 0 {
				start = i
			}
		case start >= 0 && isApostrophe(r):
			next, n := decodeAt(text, i+size)
			switch {
			case !isWordRune(next): // a closing quote
				s.addWord(text[start:i], joined, lang)
				start, joined = -1, false
			case (next == 's' || next == 'S') && !isWordRune(firstRune(text, i+size+n)):
				s.addWord(text[start:i], joined, lang)
				start, joined = -1, true
				i += n
			case isElision(text[start:i]):
				s.addWord(text[start:i], joined, lang)
				start, joined = i+size, true
			}
		default:
			if start >= 0 {
				s.addWord(text[start:i], joined, lang)
				start, joined = -1, true
			}
			if !isJoiner(r) {
				joined = false
			}
		}
		i += size
	}
	if start >= 0 {
		s.addWord(text[start:], joined, lang)
	}
	kept := 0
	for i := range s.words {
		if s.words[i].kept {
			kept++
		}
	}
	if s.long = kept > longAnswer; s.long {
		if s.termSet == nil {
			s.termSet, s.pairSet = map[string]struct{}{}, map[string]struct{}{}
		}
		clear(s.termSet)
		clear(s.pairSet)
	}
}

// addWord appends a word: its spelling lower-cased in NFC, and its key,
// also without accents.
func (s *textScratch) addWord(raw string, joined bool, lang uint8) {
	f0, ascii, composed := len(s.buf), true, true
	for i := 0; i < len(raw); {
		if c := raw[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			s.buf = append(s.buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(raw[i:])
		i += size
		switch {
		case isApostrophe(r):
			s.buf = append(s.buf, '\'')
		case r < latinEnd:
			ascii = false
			s.buf = utf8.AppendRune(s.buf, latinFold[r].lower)
		case 0xfe00 <= r && r <= 0xfe0f: // variation selectors, as in emoji
		default:
			ascii, composed = false, false
			s.buf = utf8.AppendRune(s.buf, unicode.ToLower(r))
		}
	}
	if !composed && !norm.NFC.IsNormal(s.buf[f0:]) {
		s.nfc = norm.NFC.Append(s.nfc[:0], s.buf[f0:]...)
		s.buf = append(s.buf[:f0], s.nfc...)
	}
	w := textWord{f0: f0, f1: len(s.buf), k0: f0, k1: len(s.buf), joined: joined}
	letters, number := w.f1-w.f0, true
	if ascii { // the spelling is the key
		for _, c := range s.buf[f0:] {
			number = number && '0' <= c && c <= '9'
		}
	} else {
		w.k0 = len(s.buf)
		s.buf, letters, number = appendFolded(s.buf, s.buf[w.f0:w.f1])
		w.k1 = len(s.buf)
	}
	w.kept = letters >= minTermLetters && !number && !isStopWord(s.buf[w.k0:w.k1], lang)
	s.words = append(s.words, w)
}

// latinEnd ends the characters folded by table: below it, Latin letters,
// which never need composing in NFC.
const latinEnd = 0x300

// latinRune is a character below latinEnd: its lower case, and that lower
// case without accents.
type latinRune struct {
	lower   rune
	folded  string
	letters int
	number  bool
}

var latinFold = buildLatinFold()

func buildLatinFold() *[latinEnd]latinRune {
	var t [latinEnd]latinRune
	var buf [utf8.UTFMax]byte
	for r := range rune(latinEnd) {
		l := unicode.ToLower(r)
		folded, letters, number := appendDecomposed(nil, buf[:utf8.EncodeRune(buf[:], l)])
		t[r] = latinRune{lower: l, folded: string(folded), letters: letters, number: number}
	}
	return &t
}

// appendFolded appends a lower-case word without its accents and returns
// its number of characters and whether they are all digits.
func appendFolded(dst, word []byte) (_ []byte, letters int, number bool) {
	number = true
	for i := 0; i < len(word); {
		var n int
		var digits bool
		if c := word[i]; c < utf8.RuneSelf {
			dst, n, digits = append(dst, c), 1, '0' <= c && c <= '9'
			i++
		} else if r, size := utf8.DecodeRune(word[i:]); r < latinEnd {
			f := &latinFold[r]
			dst, n, digits = append(dst, f.folded...), f.letters, f.number
			i += size
		} else {
			dst, n, digits = appendDecomposed(dst, word[i:i+size])
			i += size
		}
		letters += n
		number = number && digits
	}
	return dst, letters, number
}

// appendDecomposed appends one character without its accents, by
// compatibility decomposition (NFKD) then dropping combining marks.
func appendDecomposed(dst, char []byte) (_ []byte, letters int, number bool) {
	switch string(char) {
	case "œ":
		return append(dst, "oe"...), 2, false
	case "æ":
		return append(dst, "ae"...), 2, false
	}
	if d := norm.NFKD.Properties(char).Decomposition(); d != nil {
		char = d
	}
	number = true
	for j := 0; j < len(char); {
		r, size := utf8.DecodeRune(char[j:])
		if !isMark(r) {
			dst = append(dst, char[j:j+size]...)
			letters++
			number = number && unicode.IsDigit(r)
		}
		j += size
	}
	return dst, letters, number
}

// seenTerm reports whether word i's term came earlier in the answer.
func (s *textScratch) seenTerm(i int) bool {
	w := &s.words[i]
	k := s.buf[w.k0:w.k1]
	if s.long {
		if _, ok := s.termSet[string(k)]; ok {
			return true
		}
		s.termSet[string(k)] = struct{}{}
		return false
	}
	for j := range i {
		if v := &s.words[j]; v.kept && string(s.buf[v.k0:v.k1]) == string(k) {
			return true
		}
	}
	return false
}

// seenPair reports whether phrase p came earlier in the answer.
func (s *textScratch) seenPair(p textSpan) bool {
	k := s.pairKeys[p.k0:p.k1]
	if s.long {
		if _, ok := s.pairSet[string(k)]; ok {
			return true
		}
		s.pairSet[string(k)] = struct{}{}
		return false
	}
	for _, q := range s.pairs {
		if string(s.pairKeys[q.k0:q.k1]) == string(k) {
			return true
		}
	}
	return false
}

// normalized returns the answer's folded words, to spot near duplicates.
func (s *textScratch) normalized() string {
	var b strings.Builder
	for i, w := range s.words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(s.buf[w.k0:w.k1])
	}
	return b.String()
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isMark(r rune) bool { return r >= 0x300 && unicode.Is(unicode.M, r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// isJoiner reports whether r may stand between the two words of a phrase.
func isJoiner(r rune) bool {
	switch r {
	case ' ', '\t', '-', '\u00a0', '\u2010', '\u2011', '\u202f':
		return true
	}
	return r > utf8.RuneSelf && unicode.Is(unicode.Zs, r)
}

// isElision reports whether a word before an apostrophe is a French elided
// article, pronoun or conjunction.
func isElision(w string) bool {
	switch strings.ToLower(w) {
	case "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu":
		return true
	}
	return false
}

func decodeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if s[i] < utf8.RuneSelf {
		return rune(s[i]), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func firstRune(s string, i int) rune {
	r, _ := decodeAt(s, i)
	return r
}
