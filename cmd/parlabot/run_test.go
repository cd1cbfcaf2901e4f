package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// parlabot run against the fake Telegram: a new citizen reads the privacy
// notice with the deployment's contact (from the environment) and policy
// (from a flag), accepts it and is answered; cancelling (as SIGTERM does)
// stops it with exit status 0.
func TestRunAnswersAndStopsCleanly(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	const contact, policy = "Oficina de Transparência, privacidade@camara.example", "https://camara.example/privacidade"
	go func() {
		env := map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL(), "PARLABOT_PRIVACY_CONTACT": contact}
		done <- parlabot(t, ctx, env, "run", "--db", db, "--privacy-url", policy)
	}()
	ana := srv.User(7, "pt-BR")
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ana.SendWait(wctx, "/start livestream-2026"); err != nil {
		t.Fatal(err)
	}
	notice := ana.Last().Plain
	for _, want := range []string{"Antes de começar: sua privacidade", "Responsável: " + contact, "Política completa: " + policy} {
		if !strings.Contains(notice, want) {
			t.Errorf("citizen sees %q, want %q in the notice", notice, want)
		}
	}
	if err := ana.TapWait(wctx, "✅ Aceito"); err != nil {
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
	if strings.Contains(r.stderr, "privacy notice") {
		t.Errorf("stderr %s; want no warning about the privacy notice, it is complete", r.stderr)
	}
}

// Without --privacy-contact and --privacy-url, run says once at start what
// the notice lacks and how to set it; the notice still reads whole.
func TestRunWarnsOfAnIncompletePrivacyNotice(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- parlabot(t, ctx, map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL()}, "run", "--db", db)
	}()
	ana := srv.User(8, "es")
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ana.SendWait(wctx, "/start"); err != nil {
		t.Fatal(err)
	}
	if got := ana.Last().Plain; !strings.Contains(got, "/privacy repite este aviso.") || strings.Contains(got, "Responsable") {
		t.Errorf("citizen sees %q, want the notice without a contact line", got)
	}
	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("exit %d after stop, stderr %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "privacy notice"); n != 1 {
		t.Errorf("stderr has %d warnings about the privacy notice, want 1:\n%s", n, r.stderr)
	}
	for _, want := range []string{"--privacy-contact", "PARLABOT_PRIVACY_CONTACT", "--privacy-url", "PARLABOT_PRIVACY_URL"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the warning does not say %s:\n%s", want, r.stderr)
		}
	}
}
