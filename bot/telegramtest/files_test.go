package telegramtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// A citizen's document reaches the bot as Telegram sends it, and the bot
// downloads it through getFile and the link the client builds.
func TestCitizenSendsDocumentBotDownloadsIt(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	content := []byte("slug: demo\ntitle: {es: Demo}\n")
	got := make(chan *models.Document, 1)
	b := newBot(t, srv, bot.WithNotAsyncHandlers(), bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
		if u.Message != nil && u.Message.Document != nil {
			got <- u.Message.Document
		}
	}))
	runPolling(t, srv, b)

	ana := srv.User(1001, "es")
	if err := ana.SendDocumentWait(ctx, "consulta.yaml", content); err != nil {
		t.Fatal(err)
	}
	doc := <-got
	if doc.FileName != "consulta.yaml" || doc.MimeType != "application/x-yaml" || doc.FileSize != int64(len(content)) || doc.FileID == "" {
		t.Errorf("document = %+v, want consulta.yaml, application/x-yaml, %d bytes, a file_id", doc, len(content))
	}
	if m := ana.Messages()[0]; m.FromBot || m.Document == nil || m.Document.Name != "consulta.yaml" {
		t.Errorf("chat shows %+v, want the citizen's document", m)
	}

	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: doc.FileID})
	if err != nil {
		t.Fatalf("getFile: %v", err)
	}
	if f.FileSize != int64(len(content)) || !strings.HasPrefix(f.FilePath, "documents/") || !strings.HasSuffix(f.FilePath, ".yaml") {
		t.Errorf("getFile = %+v, want the size and a documents/….yaml path", f)
	}
	data, code := download(t, b.FileDownloadLink(f))
	if code != http.StatusOK || !bytes.Equal(data, content) {
		t.Errorf("download = %d %q, want 200 %q", code, data, content)
	}

	if _, err := b.GetFile(ctx, &bot.GetFileParams{FileID: "nope"}); err == nil || !strings.Contains(err.Error(), "invalid file_id") {
		t.Errorf("getFile of an unknown id: %v, want invalid file_id", err)
	}
	if _, code := download(t, srv.URL()+"/file/bot"+srv.Token()+"/documents/nope.yaml"); code != http.StatusNotFound {
		t.Errorf("download of an unknown path: %d, want 404", code)
	}
	if _, code := download(t, srv.URL()+"/file/bot123:WRONG/"+f.FilePath); code != http.StatusUnauthorized {
		t.Errorf("download with a wrong token: %d, want 401", code)
	}
}

// Files the bot sent can be downloaded too, as in Telegram.
func TestBotSentDocumentCanBeDownloaded(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	b := newBot(t, srv)
	ana := srv.User(1002, "es")
	m, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   ana.ID(),
		Document: &models.InputFileUpload{Filename: "respuestas.csv", Data: strings.NewReader("a,b\n1,2\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: m.Document.FileID})
	if err != nil {
		t.Fatal(err)
	}
	if data, code := download(t, b.FileDownloadLink(f)); code != http.StatusOK || string(data) != "a,b\n1,2\n" {
		t.Errorf("download = %d %q", code, data)
	}
}

func download(t *testing.T, link string) ([]byte, int) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data, resp.StatusCode
}
