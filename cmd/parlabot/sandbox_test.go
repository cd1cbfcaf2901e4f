package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	// A new citizen reads the privacy notice first, with the demo's
	// contact and policy, and accepting leads to the linked consultation.
	notice := waitForBot(t, url, 4242, "Antes de empezar: su privacidad")
	for _, want := range []string{sandboxPrivacy.contact, sandboxPrivacy.url} {
		if !strings.Contains(notice.Plain, want) {
			t.Errorf("notice:\n%s\nwant %q in it", notice.Plain, want)
		}
	}
	if len(notice.Keyboard) == 0 || notice.Keyboard[0][0].Text != "✅ Acepto" {
		t.Fatalf("notice buttons %+v, want Accept first", notice.Keyboard)
	}
	body = fmt.Sprintf(`{"user":4242,"message_id":%d,"data":%q}`, notice.ID, notice.Keyboard[0][0].Data)
	resp, err = http.Post(url+"/tap", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /tap: %v %v", err, resp)
	}
	resp.Body.Close()
	waitForBot(t, url, 4242, "Evalúe la transmisión de las sesiones del Congreso")

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after stop, stderr %s", code, stderr.String())
	}
}

// chatMessage is a message as the web chat's API shows it.
type chatMessage struct {
	ID       int    `json:"id"`
	FromBot  bool   `json:"from_bot"`
	Plain    string `json:"plain"`
	Keyboard [][]struct {
		Text string `json:"text"`
		Data string `json:"data"`
	} `json:"keyboard"`
}

// waitForBot polls the chat until a message from the bot contains want,
// and returns it.
func waitForBot(t *testing.T, url string, user int, want string) chatMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last []chatMessage
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/chat?user=" + strconv.Itoa(user))
		if err != nil {
			t.Fatal(err)
		}
		var chat struct {
			Messages []chatMessage `json:"messages"`
		}
		json.NewDecoder(resp.Body).Decode(&chat)
		resp.Body.Close()
		for _, m := range chat.Messages {
			if m.FromBot && strings.Contains(m.Plain, want) {
				return m
			}
		}
		last = chat.Messages
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the bot did not say %q; the chat: %+v", want, last)
	return chatMessage{}
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
