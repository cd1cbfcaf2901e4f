package telegramtest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

func TestMessageDates(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	srv.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	b := newBot(t, srv)
	ctx := testContext(t)
	ana := srv.User(1001, "es")

	ana.Send("hola")
	advance(time.Minute)
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: ana.ID(), Text: "¿Qué tal?"})
	if err != nil {
		t.Fatal(err)
	}
	advance(time.Minute)
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: ana.ID(), MessageID: m.ID, Text: "¿Cómo está?"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		id           int
		sent, edited time.Time
		ok           bool
	}{
		{"citizen's message", 1, time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC), time.Time{}, true},
		{"edited bot message", m.ID, time.Date(2026, 12, 10, 15, 1, 0, 0, time.UTC), time.Date(2026, 12, 10, 15, 2, 0, 0, time.UTC), true},
		{"unknown message", 99, time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, edited, ok := ana.MessageDates(tt.id)
			if !sent.Equal(tt.sent) || !edited.Equal(tt.edited) || ok != tt.ok {
				t.Errorf("MessageDates(%d) = %v, %v, %v; want %v, %v, %v", tt.id, sent, edited, ok, tt.sent, tt.edited, tt.ok)
			}
		})
	}
}
