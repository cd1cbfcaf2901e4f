package telegramtest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestEditMessageText(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3001, "es")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: u.ID(), Text: "<b>Pregunta</b> 1", ParseMode: models.ParseModeHTML, ReplyMarkup: yesNo,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "Pregunta 1" || len(sent.Entities) != 1 || sent.Entities[0].Type != models.MessageEntityTypeBold || sent.ReplyMarkup == nil {
		t.Errorf("sent = %+v, want plain text, a bold entity and the keyboard", sent)
	}

	tests := []struct {
		name    string
		params  bot.EditMessageTextParams
		wantErr string // "" for success
	}{
		{"same text and keyboard", bot.EditMessageTextParams{Text: "<b>Pregunta</b> 1", ParseMode: models.ParseModeHTML, ReplyMarkup: yesNo}, "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"},
		{"same rendering with other tags", bot.EditMessageTextParams{Text: "<strong>Pregunta</strong> 1", ParseMode: models.ParseModeHTML, ReplyMarkup: yesNo}, "message is not modified"},
		{"other keyboard", bot.EditMessageTextParams{Text: "<b>Pregunta</b> 1", ParseMode: models.ParseModeHTML, ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Sí ✓", CallbackData: "answer:yes"}}}}}, ""},
		{"keyboard dropped", bot.EditMessageTextParams{Text: "<b>Pregunta</b> 1", ParseMode: models.ParseModeHTML}, ""},
		{"same again", bot.EditMessageTextParams{Text: "<b>Pregunta</b> 1", ParseMode: models.ParseModeHTML}, "message is not modified"},
		{"unknown message", bot.EditMessageTextParams{MessageID: 999, Text: "x"}, "message to edit not found"},
		{"bad html", bot.EditMessageTextParams{Text: "a < b", ParseMode: models.ParseModeHTML}, "can't parse entities"},
		{"empty", bot.EditMessageTextParams{Text: ""}, "message text is empty"},
	}
	wantEdits := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			p.ChatID = u.ID()
			if p.MessageID == 0 {
				p.MessageID = sent.ID
			}
			_, err := b.EditMessageText(ctx, &p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				wantEdits++
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want bad request %q", err, tt.wantErr)
			}
		})
	}
	if got := u.Last(); got.Edits != wantEdits || got.Keyboard != nil {
		t.Errorf("Last() = %+v, want %d edits and no keyboard", got, wantEdits)
	}

	// A citizen's message cannot be edited.
	u.Send("hola")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: u.ID(), MessageID: u.Messages()[1].ID, Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("edit citizen's message: err = %v", err)
	}
}

func TestEditMessageReplyMarkup(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3002, "es")
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "q", ReplyMarkup: yesNo})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: u.ID(), MessageID: sent.ID, ReplyMarkup: yesNo})
	if err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("same markup: err = %v, want not modified", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: u.ID(), MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	if got := u.Last(); got.Keyboard != nil || got.Edits != 1 || got.Plain != "q" {
		t.Errorf("Last() = %+v, want the text kept, the keyboard removed", got)
	}
}

func TestTextValidation(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3003, "es")
	tests := []struct {
		name    string
		params  bot.SendMessageParams
		wantErr string
	}{
		{"empty", bot.SendMessageParams{Text: ""}, "Bad Request: message text is empty"},
		{"blank", bot.SendMessageParams{Text: "  \n "}, "Bad Request: message text is empty"},
		{"only tags", bot.SendMessageParams{Text: "<b></b>", ParseMode: models.ParseModeHTML}, "message text is empty"},
		{"4096 characters", bot.SendMessageParams{Text: strings.Repeat("a", 4096)}, ""},
		{"4097 characters", bot.SendMessageParams{Text: strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"4096 characters after tags", bot.SendMessageParams{Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"2048 emoji are 4096 UTF-16 units", bot.SendMessageParams{Text: strings.Repeat("😀", 2048)}, ""},
		{"2049 emoji", bot.SendMessageParams{Text: strings.Repeat("😀", 2049)}, "message is too long"},
		{"unknown parse mode", bot.SendMessageParams{Text: "x", ParseMode: "html5"}, "unsupported parse_mode"},
		{"reply keyboard", bot.SendMessageParams{Text: "x", ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "Sí"}, {Text: "No"}}}, OneTimeKeyboard: true}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			p.ChatID = u.ID()
			_, err := b.SendMessage(ctx, &p)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if got := u.ReplyKeyboard(); len(got) != 1 || len(got[0]) != 2 || got[0][0] != "Sí" {
		t.Errorf("ReplyKeyboard() = %q, want [[Sí No]]", got)
	}
	u.Send("Sí")
	if got := u.ReplyKeyboard(); got != nil {
		t.Errorf("one-time ReplyKeyboard() after an answer = %q, want none", got)
	}
}

func TestKeyboardValidation(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3004, "es")
	kbd := func(btns ...models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{btns}}
	}
	tests := []struct {
		name    string
		markup  models.ReplyMarkup
		wantErr string
	}{
		{"callback data of 64 bytes", kbd(models.InlineKeyboardButton{Text: "ok", CallbackData: strings.Repeat("x", 64)}), ""},
		{"callback data of 65 bytes", kbd(models.InlineKeyboardButton{Text: "ok", CallbackData: strings.Repeat("x", 65)}), "Bad Request: BUTTON_DATA_INVALID"},
		{"callback data counted in bytes", kbd(models.InlineKeyboardButton{Text: "ok", CallbackData: strings.Repeat("é", 33)}), "BUTTON_DATA_INVALID"},
		{"url button", kbd(models.InlineKeyboardButton{Text: "web", URL: "https://example.org"}), ""},
		{"text only", kbd(models.InlineKeyboardButton{Text: "mute"}), "Text buttons are unallowed in the inline keyboard"},
		{"url and callback", kbd(models.InlineKeyboardButton{Text: "both", URL: "https://example.org", CallbackData: "x"}), "exactly one of the optional fields"},
		{"empty text", kbd(models.InlineKeyboardButton{CallbackData: "x"}), "Text must be non-empty"},
		{"bad url", kbd(models.InlineKeyboardButton{Text: "web", URL: "example.org/x"}), "Wrong HTTP URL"},
		{"remove keyboard", &models.ReplyKeyboardRemove{RemoveKeyboard: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: "q", ReplyMarkup: tt.markup})
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("err = %v, want none", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestHTMLValidationThroughClient(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3005, "es")
	tests := []struct {
		name      string
		text      string
		wantPlain string
		wantErr   string
	}{
		{"bold and italic", "<b>Hola</b> <i>mundo</i>", "Hola mundo", ""},
		{"every allowed tag", `<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del><a href="https://x.org/?a=1&b=2">h</a><code>i</code><pre><code class="language-go">j</code></pre><tg-spoiler>k</tg-spoiler><span class="tg-spoiler">l</span><blockquote>m</blockquote><blockquote expandable>n</blockquote>`, "abcdefghijklmn", ""},
		{"escaped user text", "Dijiste: &lt;script&gt; &amp; &quot;hola&quot; &#39;x&#x27;", `Dijiste: <script> & "hola" 'x'`, ""},
		{"uppercase tags", "<B>x</B>", "x", ""},
		{"bare >", "5 > 3", "5 > 3", ""},
		{"bare <", "5 < 3", "", `can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"unescaped user tag", "Dijiste: <script>", "", `Unsupported start tag "script" at byte offset 9`},
		{"bare &", "Ciencia & Tecnología", "", "Character '&' at byte offset 8"},
		{"unknown entity", "a&nbsp;b", "", "Character '&'"},
		{"unclosed tag", "<b>hola", "", `Can't find end tag corresponding to start tag "b"`},
		{"misnested tags", "<b><i>x</b></i>", "", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"stray end tag", "x</b>", "", "Unexpected end tag at byte offset 1"},
		{"span without class", "<span>x</span>", "", `Tag "span" must have class "tg-spoiler"`},
		{"unclosed start tag", "<b", "", "Unclosed start tag at byte offset 0"},
		{"div", "<div>x</div>", "", `Unsupported start tag "div"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: tt.text, ParseMode: models.ParseModeHTML})
			if tt.wantErr != "" {
				if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			if got := u.Last(); got.Plain != tt.wantPlain || got.Text != tt.text {
				t.Errorf("Last() Plain = %q, Text = %q; want %q, %q", got.Plain, got.Text, tt.wantPlain, tt.text)
			}
		})
	}
}

func TestMarkdownV2ThroughClient(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	u := srv.User(3006, "es")
	tests := []struct {
		name      string
		text      string
		wantPlain string
		wantErr   string
	}{
		{"markup", "*negrita* _cursiva_ __subrayado__ ~tachado~ ||spoiler|| `code` [link](https://x.org/a_\\(b\\))", "negrita cursiva subrayado tachado spoiler code link", ""},
		{"escapes", `1\. Sí\! \(a\+b\=c\) \#tag \- fin`, "1. Sí! (a+b=c) #tag - fin", ""},
		{"pre with language", "```go\nfmt.Println(\"a.b\")\n```", "fmt.Println(\"a.b\")\n", ""},
		{"quote", ">cita\nfin", "cita\nfin", ""},
		{"unescaped dot", "Gracias.", "", `Character '.' is reserved and must be escaped with the preceding '\'`},
		{"unescaped dash", "a-b", "", "Character '-' is reserved"},
		{"unclosed bold", "*hola", "", "Can't find end of Bold entity at byte offset 0"},
		{"single pipe", "a|b", "", "Character '|' is reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID(), Text: tt.text, ParseMode: models.ParseModeMarkdown})
			if tt.wantErr != "" {
				if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			if got := u.Last().Plain; got != tt.wantPlain {
				t.Errorf("Plain = %q, want %q", got, tt.wantPlain)
			}
		})
	}
}
