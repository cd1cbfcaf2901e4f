package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// parlabot run --webhook-url against the fake Telegram: the webhook is set,
// a citizen is answered through it, and a clean stop removes it.
func TestRunWebhook(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	// The test listens first, so the URL names a port nobody else takes.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	hookURL := "http://" + addr + "/tg"
	var stderr bytes.Buffer
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr,
		Getenv: func(k string) string {
			return map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL(), "PARLABOT_WEBHOOK_URL": hookURL}[k]
		},
		Now: func() time.Time { return time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC) },
		Listen: func(network, address string) (net.Listener, error) {
			if address != addr {
				return nil, fmt.Errorf("listen on %s, want %s", address, addr)
			}
			return ln, nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--db", db, "--listen", addr}) }()

	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	ana := srv.User(7, "pt-BR")
	if err := ana.SendWait(wctx, "/start livestream-2026"); err != nil {
		t.Fatal(err)
	}
	if err := ana.TapWait(wctx, "✅ Aceito"); err != nil { // the privacy notice comes first
		t.Fatal(err)
	}
	if got := ana.Last().Plain; !strings.Contains(got, "Avalie a transmissão") {
		t.Errorf("citizen sees %q, want the intro in Portuguese", got)
	}
	info, secret := srv.Webhook()
	if info.URL != hookURL || len(secret) != 43 {
		t.Errorf("webhook %q with secret %q, want %s and a generated secret", info.URL, secret, hookURL)
	}
	if n := srv.CallCount("getUpdates"); n != 0 {
		t.Errorf("%d getUpdates calls on a webhook", n)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after stop, stderr %s", code, stderr.String())
	}
	if info, _ := srv.Webhook(); info.URL != "" || srv.CallCount("deleteWebhook") != 1 {
		t.Errorf("after a clean stop the webhook is %q (%d deleteWebhook calls), want removed once", info.URL, srv.CallCount("deleteWebhook"))
	}
}

func TestRunWebhookUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"listen alone", []string{"--listen", ":8443"}, "add --webhook-url"},
		{"secret alone", []string{"--webhook-secret", "abc"}, "add --webhook-url"},
		{"not a URL", []string{"--webhook-url", "bot.example.org/telegram"}, "--webhook-url"},
		{"a bad secret", []string{"--webhook-url", "https://bot.example.org/telegram", "--webhook-secret", "con espacios"}, "--webhook-secret"},
	}
	for _, tt := range tests {
		_, db := importedDB(t)
		r := parlabot(t, context.Background(), map[string]string{"TELEGRAM_BOT_TOKEN": "123:x"}, append([]string{"run", "--db", db}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming %s", tt.name, r.code, r.stderr, tt.want)
		}
	}
}

// A port already taken is reported in one line that names --listen.
func TestRunWebhookPortInUse(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, db := importedDB(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	r := parlabot(t, context.Background(), map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "PARLABOT_API_URL": srv.URL()},
		"run", "--db", db, "--webhook-url", "https://bot.example.org/tg", "--listen", taken.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "the port is in use") || !strings.Contains(r.stderr, "--listen") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line naming --listen", r.code, r.stderr)
	}
}
