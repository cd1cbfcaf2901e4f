package bot

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// A call to Telegram goes in one piece, with its length, rather than as
// the dozen chunks go-telegram/bot streams a form in; a document too big
// to hold goes streamed. Both arrive whole.
func TestCallsSendTheirBodyWhole(t *testing.T) {
	type received struct {
		length  int64
		chunked bool
		text    string
		doc     []byte
	}
	var mu sync.Mutex
	var got []received
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := received{length: r.ContentLength, chunked: len(r.TransferEncoding) > 0}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("parse the call: %v", err)
		}
		rec.text = r.FormValue("text")
		if f, _, err := r.FormFile("document"); err == nil {
			rec.doc, _ = io.ReadAll(f)
		}
		mu.Lock()
		got = append(got, rec)
		mu.Unlock()
		io.WriteString(w, `{"ok":true,"result":{"message_id":7,"date":1,"chat":{"id":42,"type":"private"}}}`)
	}))
	defer api.Close()
	_, call := telegramClients(time.Second, 5*time.Second)
	b, err := tgbot.New("1:TEST", tgbot.WithServerURL(api.URL), tgbot.WithHTTPClient(time.Second, call), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "¿Qué tan satisfecho/a está?"}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("respuesta;"), wholeBodyLimit/5)
	if _, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: 42,
		Document: &models.InputFileUpload{Filename: "export.csv", Data: bytes.NewReader(big)}}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Telegram got %d calls, want 2", len(got))
	}
	if m := got[0]; m.chunked || m.length <= 0 || m.text != "¿Qué tan satisfecho/a está?" {
		t.Errorf("message: chunked %v, length %d, text %q; want one piece with its length and the text", m.chunked, m.length, m.text)
	}
	if d := got[1]; !d.chunked || !bytes.Equal(d.doc, big) {
		t.Errorf("document: chunked %v, %d of %d bytes; want it streamed, whole", d.chunked, len(d.doc), len(big))
	}
}

// Many workers calling Telegram at once reuse their connections, round
// after round, instead of opening new ones (net/http keeps two by default).
func TestCallsReuseConnections(t *testing.T) {
	const workers, rounds = 32, 5
	var mu sync.Mutex
	opened := 0
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	api.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	api.Start()
	defer api.Close()
	_, call := telegramClients(time.Second, 5*time.Second)
	b, err := tgbot.New("1:TEST", tgbot.WithServerURL(api.URL), tgbot.WithHTTPClient(time.Second, call), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	for range rounds {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				if _, err := b.AnswerCallbackQuery(context.Background(), &tgbot.AnswerCallbackQueryParams{CallbackQueryID: "1"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	// The first round opens up to one connection a worker; the rounds
	// after it reuse them (a few may be opened while one is on its way
	// back to the pool).
	if opened > 2*workers {
		t.Errorf("%d rounds of %d calls at once opened %d connections; want them reused, at most %d", rounds, workers, opened, 2*workers)
	}
}
