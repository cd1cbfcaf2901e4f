package load

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations/demo"
)

// acker is a citizen sending the null bot the same kind of updates an
// answerer sends parlabot, the next once the bot has acknowledged the last:
// /start with the link, nine taps on a question message, a comment. The
// null bot never answers, so the taps are made up as Telegram would send
// them, each carrying the message with its keyboard.
type acker struct {
	u       *telegramtest.User
	srv     *telegramtest.Server
	acks    *acks
	box     chan reaction
	p       plan
	timeout time.Duration
	next    int
	query   int64 // callback query ids, per citizen
}

func (a *acker) step(ctx context.Context) (time.Duration, bool, error) {
	drain(a.box)
	began := time.Now()
	var id int64
	switch a.next {
	case 0:
		id = a.u.Send("/start " + demo.Slug)
	case steps - 1:
		id = a.u.Send(a.p.comment)
	default:
		a.query++
		id = a.srv.Push(models.Update{CallbackQuery: tapOnQuestion(a.u.Model(), a.query, a.next)})
	}
	a.acks.await(id, a.box)
	if _, err := awaitReaction(ctx, a.box, confirmed, a.timeout, a.next); err != nil {
		return 0, false, err
	}
	a.next++
	return time.Since(began), a.next == steps, nil
}

// The question message the null citizens' taps are made on: what parlabot
// shows for the satisfaction question, in Spanish.
const questionMessageID = 2

var (
	questionLines = []string{
		"Evalúe la transmisión de las sesiones del Congreso", // italic
		"\n",
		"Pregunta 2 de 6\n\n",
		"¿Qué tan satisfecho/a está con la calidad de las transmisiones?", // bold
		"\n",
		"1 es muy insatisfecho/a y 5 muy satisfecho/a.", // italic
	}
	questionText     = strings.Join(questionLines, "")
	questionEntities = func() []models.MessageEntity {
		var ents []models.MessageEntity
		offset := 0
		for i, l := range questionLines {
			n := len(utf16.Encode([]rune(l)))
			switch i {
			case 0, 5:
				ents = append(ents, models.MessageEntity{Type: models.MessageEntityTypeItalic, Offset: offset, Length: n})
			case 3:
				ents = append(ents, models.MessageEntity{Type: models.MessageEntityTypeBold, Offset: offset, Length: n})
			}
			offset += n
		}
		return ents
	}()
)

var questionKeyboard = func() *models.InlineKeyboardMarkup {
	faces := []string{"1 😞", "2 🙁", "3 😐", "4 🙂", "5 😄"}
	var row []models.InlineKeyboardButton
	for i, f := range faces {
		row = append(row, models.InlineKeyboardButton{Text: f, CallbackData: "a:n5xgk3tmojuw:satisfaction:" + strconv.Itoa(i+1)})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		row, {{Text: "← Atrás", CallbackData: "b:n5xgk3tmojuw:satisfaction"}},
	}}
}()

// tapOnQuestion is a citizen's tap on the question message, as Telegram
// sends it.
func tapOnQuestion(from models.User, n int64, step int) *models.CallbackQuery {
	bot := models.User{ID: 123456, IsBot: true, FirstName: "Parlabot Test", Username: "parlabot_test_bot"}
	now := int(time.Now().Unix())
	return &models.CallbackQuery{
		ID:           strconv.FormatInt(from.ID, 10) + strconv.FormatInt(n, 10),
		From:         from,
		ChatInstance: strconv.FormatInt(-(from.ID*7919 + 104729), 10),
		Data:         questionKeyboard.InlineKeyboard[0][step%5].CallbackData,
		Message: models.MaybeInaccessibleMessage{
			Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{
				ID: questionMessageID, From: &bot, Date: now - 10, EditDate: now - 1,
				Chat: models.Chat{ID: from.ID, Type: models.ChatTypePrivate, FirstName: from.FirstName, Username: from.Username},
				Text: questionText, Entities: questionEntities, ReplyMarkup: questionKeyboard,
			},
		},
	}
}

// acks routes the bot's confirmations to the citizens waiting for them,
// also one that comes before the citizen says it waits.
type acks struct {
	mu      sync.Mutex
	waiting map[int64]chan reaction
	early   map[int64]time.Time
}

func newAcks() *acks {
	return &acks{waiting: map[int64]chan reaction{}, early: map[int64]time.Time{}}
}

// confirmed is the Observer's Confirmed; it runs under the fake's lock.
func (k *acks) confirmed(id int64) {
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if box, ok := k.waiting[id]; ok {
		delete(k.waiting, id)
		deliver(box, reaction{kind: confirmed, at: now})
		return
	}
	k.early[id] = now
}

// await has the confirmation of update id put in box.
func (k *acks) await(id int64, box chan reaction) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if at, ok := k.early[id]; ok {
		delete(k.early, id)
		deliver(box, reaction{kind: confirmed, at: at})
		return
	}
	k.waiting[id] = box
}

// deliver puts r in box without blocking; a citizen that does not read
// its box (one that gave up) loses it.
func deliver(box chan reaction, r reaction) {
	select {
	case box <- r:
	default:
	}
}
