package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// Citizens' rights over what the bot keeps about them: /mydata sends it
// all, /forget deletes it all. Both are in the audit log, without who asked
// or what was in it.

// myData sends the citizen everything the bot keeps about them, as a JSON
// document in their language: /mydata.
func (b *Bot) myData(ctx context.Context, t *turn) error {
	doc, err := b.personalData(ctx, t)
	if err != nil {
		return err
	}
	b.auditRights(ctx, "mydata", fmt.Sprintf("responses: %d", len(doc.Responses)))
	if doc.Citizen == nil && len(doc.Responses) == 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "mydata_nothing", nil), nil)
		return nil
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	data = append(data, '\n')
	name := b.msg.T(t.lang, "mydata_file", nil) + ".json"
	caption := b.msg.T(t.lang, "mydata_caption_none", nil)
	if len(doc.Responses) > 0 {
		caption = b.msg.N(t.lang, "mydata_caption", len(doc.Responses), nil)
	}
	return b.sendDocument(ctx, t.chatID, name, bytes.NewReader(data), int64(len(data)), caption)
}

// askForget warns the citizen that /forget deletes everything for good,
// and asks them to confirm.
func (b *Bot) askForget(ctx context.Context, t *turn) error {
	b.send(ctx, t.chatID, b.msg.T(t.lang, "forget_confirm", nil), keyboard(
		[]models.InlineKeyboardButton{btn(b.msg.T(t.lang, "forget_yes", nil), encodeCallback(actForget, "y"))},
		[]models.InlineKeyboardButton{btn(b.msg.T(t.lang, "forget_no", nil), encodeCallback(actForget, "n"))},
	))
	return nil
}

// forget deletes everything kept about the citizen once they confirmed, or
// keeps it all. Nothing about them is written again afterwards: the next
// message they send finds a stranger.
func (b *Bot) forget(ctx context.Context, t *turn) error {
	if t.cb.Args[0] != "y" {
		b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, "forget_kept", nil), nil)
		return nil
	}
	got, err := b.store.Forget(ctx, t.citizen.UserID, b.participant(t))
	if err != nil {
		return err
	}
	b.auditRights(ctx, "forget", fmt.Sprintf("responses deleted: %d", got.Responses))
	if s := t.citizen.Session; s != nil {
		b.dropKeyboard(ctx, t.chatID, s.MessageID)
	}
	b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, "forget_done", nil), nil)
	return nil
}

// auditRights records that a citizen used a right, with neither who they
// are (Actor 0) nor anything of what the data held.
func (b *Bot) auditRights(ctx context.Context, action, detail string) {
	e := consultations.AuditEntry{At: b.now(), Action: action, Detail: "a citizen, " + detail, Allowed: true}
	if err := b.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		b.log.Error("write audit log", "action", action, "err", err)
	}
}

// personalData is the document /mydata sends: everything the bot keeps
// about one citizen. Keys are fixed English names; texts meant for people
// are in the citizen's language.
type personalData struct {
	Generated time.Time `json:"generated"`
	About     string    `json:"about"`
	// Citizen is the citizen's record, every field of it (nil: the bot
	// keeps none).
	Citizen      map[string]any       `json:"citizen,omitempty"`
	Pseudonym    pseudonymData        `json:"pseudonym"`
	Conversation *conversationData    `json:"conversation,omitempty"`
	StaffRoles   []consultations.Role `json:"staff_roles,omitempty"`
	Responses    []responseData       `json:"responses"`
	Retention    string               `json:"retention,omitempty"`
}

// pseudonymData is the citizen's pseudonym and what it is.
type pseudonymData struct {
	Value       string `json:"value"`
	Explanation string `json:"explanation"`
}

// conversationData is where the citizen is in a consultation.
type conversationData struct {
	Consultation string    `json:"consultation"`
	Title        string    `json:"title,omitempty"`
	Question     string    `json:"question,omitempty"`
	QuestionText string    `json:"question_text,omitempty"`
	Started      time.Time `json:"started,omitzero"`
}

// responseData is one of the citizen's responses, as given.
type responseData struct {
	Consultation string       `json:"consultation"`
	Title        string       `json:"title"`
	Language     string       `json:"language,omitempty"`
	Started      time.Time    `json:"started,omitzero"`
	Completed    time.Time    `json:"completed,omitzero"`
	Updated      time.Time    `json:"updated,omitzero"`
	Answers      []answerData `json:"answers"`
}

// answerData is one answer: the question, the answer as the citizen saw it
// (option labels, a number, their text) and the codes stored for options.
type answerData struct {
	Question     string   `json:"question"`
	QuestionText string   `json:"question_text,omitempty"`
	Answer       any      `json:"answer"`
	Codes        []string `json:"codes,omitempty"`
}

// personalData gathers what the bot keeps about the turn's citizen: their
// record (unless they are not stored yet), their place in a consultation,
// their staff roles, and every response still linked to their pseudonym.
func (b *Bot) personalData(ctx context.Context, t *turn) (*personalData, error) {
	lang := t.lang
	participant := b.participant(t)
	doc := &personalData{
		Generated:  b.now().UTC(),
		About:      b.msg.T(lang, "mydata_about", nil),
		Pseudonym:  pseudonymData{Value: participant, Explanation: b.msg.T(lang, "mydata_pseudonym", nil)},
		StaffRoles: b.roles.of(t.citizen.UserID),
		Responses:  []responseData{},
	}
	if b.retention > 0 {
		doc.Retention = b.msg.T(lang, "mydata_retention", nil)
	}
	if !t.isNew {
		stored, err := b.store.Citizen(ctx, t.citizen.UserID)
		if err != nil {
			return nil, err
		}
		if doc.Citizen, err = recordFields(stored); err != nil {
			return nil, err
		}
		if s := stored.Session; s != nil {
			conv := &conversationData{Consultation: s.Consultation, Question: s.Question, Started: s.Started.UTC()}
			if c, err := b.store.Consultation(ctx, s.Consultation); err == nil {
				conv.Title = c.Title.In(lang, c.DefaultLanguage)
				if q := c.Question(s.Question); q != nil {
					conv.QuestionText = q.Text.In(lang, c.DefaultLanguage)
				}
			}
			doc.Conversation = conv
		}
	}
	responses, err := b.store.ResponsesOf(ctx, participant)
	if err != nil {
		return nil, err
	}
	for _, r := range responses {
		c, err := b.store.Consultation(ctx, r.Consultation)
		if err != nil {
			return nil, err
		}
		doc.Responses = append(doc.Responses, responseOf(c, r, lang))
	}
	return doc, nil
}

// responseOf is a response as /mydata shows it: the consultation's
// questions in order, each answered one with its answer in lang; answers
// to questions the consultation no longer has come last, as stored.
func responseOf(c *consultations.Consultation, r *consultations.Response, lang string) responseData {
	out := responseData{
		Consultation: c.Slug, Title: c.Title.In(lang, c.DefaultLanguage), Language: r.Language,
		Started: r.Started.UTC(), Completed: r.Completed.UTC(), Updated: r.Updated.UTC(),
		Answers: []answerData{},
	}
	for _, q := range c.Questions {
		if a, ok := r.Answers[q.ID]; ok {
			out.Answers = append(out.Answers, answerOf(c, &q, q.ID, a, lang))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.Answers)) {
		if c.Question(id) == nil {
			out.Answers = append(out.Answers, answerOf(c, nil, id, r.Answers[id], lang))
		}
	}
	return out
}

// answerOf is one answer as /mydata shows it (q nil: a question no longer
// in the consultation).
func answerOf(c *consultations.Consultation, q *consultations.Question, id string, a consultations.Answer, lang string) answerData {
	out := answerData{Question: id}
	if q != nil {
		out.QuestionText = q.Text.In(lang, c.DefaultLanguage)
	}
	switch {
	case a.Choices != nil:
		labels := make([]string, len(a.Choices))
		for i, code := range a.Choices {
			labels[i] = code
			if q != nil {
				if o := q.Option(code); o != nil {
					labels[i] = o.Text.In(lang, c.DefaultLanguage)
				}
			}
		}
		out.Codes = a.Choices
		out.Answer = labels
		if q != nil && q.Kind == consultations.KindSingle && len(labels) == 1 {
			out.Answer = labels[0]
		}
	case a.Text != "" || (q != nil && q.Kind == consultations.KindText):
		out.Answer = a.Text
	default:
		out.Answer = a.Number
	}
	return out
}

// recordFields is every field of a citizen's record, under snake_case
// names, without their session (shown as the conversation) and without
// empty times. Going through the record's fields, rather than a list of
// them, means a field added to the record one day is shown too.
func recordFields(c *consultations.Citizen) (map[string]any, error) {
	rec := *c
	rec.Session = nil
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode citizen: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("decode citizen: %w", err)
	}
	return snakeKeys(fields), nil
}

// zeroTime is how encoding/json writes an unset time.
var zeroTime = time.Time{}.Format(time.RFC3339Nano)

// snakeKeys renames a decoded object's keys (and its nested objects') from
// Go's names to snake_case, leaving out nulls and unset times.
func snakeKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			continue
		case string:
			if v == zeroTime {
				continue
			}
			out[snakeCase(k)] = v
		case map[string]any:
			out[snakeCase(k)] = snakeKeys(v)
		default:
			out[snakeCase(k)] = v
		}
	}
	return out
}

// snakeCase turns a Go field name into snake_case: UserID -> user_id,
// LanguageChosen -> language_chosen.
func snakeCase(s string) string {
	r := []rune(s)
	var sb strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				sb.WriteByte('_')
			}
		}
		sb.WriteRune(unicode.ToLower(c))
	}
	return sb.String()
}
