package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parlabot sandbox on an empty database: it prints the URL, serves the web
// chat, answers a citizen from the demo consultation, and stops with exit
// status 0.
func TestSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: pw, Stderr: &stderr, Getenv: func(string) string { return "" }, Now: time.Now}
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"sandbox", "--listen", "127.0.0.1:0", "--db", db}); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no line printed: %v (stderr %s)", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	url := strings.Fields(strings.TrimPrefix(line, "parlabot sandbox: open "))[0]
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q, want the URL", line)
	}
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("<html")) {
		t.Fatalf("GET / = %d, want the chat page", resp.StatusCode)
	}

	body := `{"user":4242,"text":"/start livestream-2026"}`
	resp, err = http.Post(url+"/send", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /send: %v %v", err, resp)
	}
	resp.Body.Close()
	if got := waitForBot(t, url, 4242); !strings.Contains(got, "Evalúe la transmisión de las sesiones del Congreso") {
		t.Errorf("bot answered %q, want the demo consultation's intro", got)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after stop, stderr %s", code, stderr.String())
	}
}

// waitForBot polls the chat until the bot has said something, and returns it.
func waitForBot(t *testing.T, url string, user int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/chat?user=" + strconv.Itoa(user))
		if err != nil {
			t.Fatal(err)
		}
		var chat struct {
			Messages []struct {
				FromBot bool   `json:"from_bot"`
				Plain   string `json:"plain"`
			} `json:"messages"`
		}
		json.NewDecoder(resp.Body).Decode(&chat)
		resp.Body.Close()
		for _, m := range chat.Messages {
			if m.FromBot {
				return m.Plain
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the bot did not answer")
	return ""
}

func TestSandboxPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := parlabot(t, context.Background(), nil, "sandbox", "--listen", ln.Addr().String(), "--db", filepath.Join(t.TempDir(), "s.db"))
	if r.code != 1 || !strings.Contains(r.stderr, "the port is in use") || !strings.Contains(r.stderr, "--listen") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want one line naming --listen", r.code, r.stderr)
	}
}
