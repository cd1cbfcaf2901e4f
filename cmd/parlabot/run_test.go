package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// parlabot run against the fake Telegram: a citizen is answered, and
// cancelling (as SIGTERM does) stops it with exit status 0.
func TestRunAnswersAndStopsCleanly(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- parlabot(t, ctx, map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL()}, "run", "--db", db)
	}()
	ana := srv.User(7, "pt-BR")
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ana.SendWait(wctx, "/start livestream-2026"); err != nil {
		t.Fatal(err)
	}
	if got := ana.Last().Plain; !strings.Contains(got, "Avalie a transmissão") {
		t.Errorf("citizen sees %q, want the intro in Portuguese", got)
	}
	cancel()
	r := <-done
	if r.code != 0 {
		t.Errorf("exit %d after stop, stderr %s", r.code, r.stderr)
	}
}
