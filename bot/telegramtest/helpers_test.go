package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// newServer starts a fake server closed at the end of the test.
func newServer(t *testing.T) *telegramtest.Server {
	t.Helper()
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	return srv
}

// newBot returns a real go-telegram/bot client pointed at srv.
func newBot(t *testing.T, srv *telegramtest.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	opts = append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot client: %v", err) }),
	}, opts...)
	b, err := bot.New(srv.Token(), opts...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// testContext bounds a test's waits, so a broken wait fails instead of
// hanging.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiCall posts a JSON body to a Bot API method and decodes the answer.
func apiCall(ctx context.Context, srv *telegramtest.Server, method string, params any) (apiAnswer, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return apiAnswer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/"+method, bytes.NewReader(body))
	if err != nil {
		return apiAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apiAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return apiAnswer{}, err
	}
	var a apiAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return apiAnswer{}, fmt.Errorf("decode %s: %w", data, err)
	}
	a.Status = resp.StatusCode
	return a, nil
}

// apiAnswer is a Bot API answer.
type apiAnswer struct {
	Status      int             `json:"-"`
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// getUpdates calls getUpdates and decodes the updates.
func getUpdates(ctx context.Context, srv *telegramtest.Server, offset int64, timeout int) ([]models.Update, error) {
	a, err := apiCall(ctx, srv, "getUpdates", map[string]any{"offset": offset, "timeout": timeout})
	if err != nil {
		return nil, err
	}
	if !a.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", a.ErrorCode, a.Description)
	}
	var ups []models.Update
	if err := json.Unmarshal(a.Result, &ups); err != nil {
		return nil, err
	}
	return ups, nil
}

// runPolling runs the bot the way parlabot does: a polling loop that
// confirms an update (next offset) only after its handler has returned, so
// that WaitConfirmed means the bot's replies are recorded. The client must
// have been created WithNotAsyncHandlers.
func runPolling(t *testing.T, srv *telegramtest.Server, b *bot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		var offset int64
		for ctx.Err() == nil {
			ups, err := getUpdates(ctx, srv, offset, 10)
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
					t.Errorf("polling: %v", err)
				}
				return
			}
			for i := range ups {
				b.ProcessUpdate(ctx, &ups[i])
				offset = ups[i].ID + 1
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// yesNo is the keyboard of the test bot's question.
var yesNo = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
	{Text: "Sí", CallbackData: "answer:yes"},
	{Text: "No", CallbackData: "answer:no"},
}, {
	{Text: "Más información", URL: "https://example.org/consulta"},
}}}

// surveyBot answers /start with a question and a keyboard, edits the
// question with the choice on a tap, and echoes any other text, escaped.
func surveyBot(t *testing.T, srv *telegramtest.Server) *bot.Bot {
	t.Helper()
	b := newBot(t, srv, bot.WithNotAsyncHandlers(), bot.WithDefaultHandler(surveyHandler(t)))
	runPolling(t, srv, b)
	return b
}

// surveyHandler is surveyBot's handler.
func surveyHandler(t *testing.T) bot.HandlerFunc {
	return func(ctx context.Context, b *bot.Bot, u *models.Update) {
		switch {
		case u.Message != nil && u.Message.Text == "/start":
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:      u.Message.Chat.ID,
				Text:        "¿Te gustó la <b>transmisión</b>?",
				ParseMode:   models.ParseModeHTML,
				ReplyMarkup: yesNo,
			})
			if err != nil {
				t.Errorf("send question: %v", err)
			}
		case u.Message != nil:
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:    u.Message.Chat.ID,
				Text:      "Dijiste: <i>" + htmlEscape(u.Message.Text) + "</i>",
				ParseMode: models.ParseModeHTML,
			})
			if err != nil {
				t.Errorf("send echo: %v", err)
			}
		case u.CallbackQuery != nil:
			msg := u.CallbackQuery.Message.Message
			if msg == nil {
				return
			}
			choice := strings.TrimPrefix(u.CallbackQuery.Data, "answer:")
			_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{
				ChatID:    msg.Chat.ID,
				MessageID: msg.ID,
				Text:      "Elegiste: <b>" + choice + "</b>",
				ParseMode: models.ParseModeHTML,
			})
			if err != nil {
				t.Errorf("edit: %v", err)
			}
			if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{
				CallbackQueryID: u.CallbackQuery.ID,
				Text:            "¡Gracias!",
			}); err != nil {
				t.Errorf("answer: %v", err)
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
