package telegramtest_test

import (
	"reflect"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

func TestParseTextEntities(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		mode      string
		wantPlain string
		wantEnts  []models.MessageEntity
	}{
		{
			name: "UTF-16 offsets after an emoji", mode: "HTML",
			text:      "😀 <b>sí</b>",
			wantPlain: "😀 sí",
			wantEnts:  []models.MessageEntity{{Type: "bold", Offset: 3, Length: 2}},
		},
		{
			name: "nested, outer first", mode: "HTML",
			text:      `<a href="https://x.org">ver <i>más</i></a>`,
			wantPlain: "ver más",
			wantEnts: []models.MessageEntity{
				{Type: "text_link", Offset: 0, Length: 7, URL: "https://x.org"},
				{Type: "italic", Offset: 4, Length: 3},
			},
		},
		{
			name: "pre with language", mode: "HTML",
			text:      `<pre><code class="language-go">x := 1</code></pre>`,
			wantPlain: "x := 1",
			wantEnts:  []models.MessageEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}},
		},
		{
			name: "MarkdownV2 link and bold", mode: "MarkdownV2",
			text:      `*Hola* [aquí](https://x.org)`,
			wantPlain: "Hola aquí",
			wantEnts: []models.MessageEntity{
				{Type: "bold", Offset: 0, Length: 4},
				{Type: "text_link", Offset: 5, Length: 4, URL: "https://x.org"},
			},
		},
		{
			name: "legacy Markdown", mode: "Markdown",
			text:      "*a* _b_ `c`",
			wantPlain: "a b c",
			wantEnts: []models.MessageEntity{
				{Type: "bold", Offset: 0, Length: 1},
				{Type: "italic", Offset: 2, Length: 1},
				{Type: "code", Offset: 4, Length: 1},
			},
		},
		{name: "plain text is kept", mode: "", text: "a < b & *c*", wantPlain: "a < b & *c*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, ents, err := telegramtest.ParseText(tt.text, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if plain != tt.wantPlain || !reflect.DeepEqual(ents, tt.wantEnts) {
				t.Errorf("ParseText = %q %+v, want %q %+v", plain, ents, tt.wantPlain, tt.wantEnts)
			}
		})
	}
}
