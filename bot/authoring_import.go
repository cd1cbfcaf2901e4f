package bot

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// maxImportSize is the largest consultation file the bot downloads. The
// reference file is a few kilobytes.
const maxImportSize = 1 << 20

// errTooBig is a document over maxImportSize.
var errTooBig = errors.New("file over 1 MB")

// importDocument imports a consultation file a clerk sent as a document,
// with the checks and messages of `parlabot import`: a bad file is refused
// whole, every problem listed with its path and line, and nothing changes.
// It reports false, leaving the message to the usual reply, when the sender
// is a citizen or the message has no document.
func (b *Bot) importDocument(ctx context.Context, t *turn) (bool, error) {
	m := t.update.Message
	if m == nil || m.Document == nil {
		return false, nil
	}
	doc := m.Document
	if !b.roles.may(t.citizen.UserID, clerks) {
		if !b.roles.isStaff(t.citizen.UserID) {
			return false, nil
		}
		b.audit(ctx, t, "refused", "import", doc.FileName, false)
		b.send(ctx, t.chatID, b.msg.T(t.lang, "staff_only", nil), nil)
		return true, nil
	}
	name := path.Base(strings.ReplaceAll(doc.FileName, "\\", "/"))
	if doc.FileName == "" {
		name = "consultation.yaml"
	}
	if ext := strings.ToLower(path.Ext(name)); ext != ".yaml" && ext != ".yml" && !strings.Contains(doc.MimeType, "yaml") {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "import_not_yaml", nil), nil)
		return true, nil
	}
	if doc.FileSize > maxImportSize {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "import_too_big", nil), nil)
		return true, nil
	}
	data, err := b.download(ctx, doc.FileID)
	switch {
	case errors.Is(err, errTooBig):
		b.send(ctx, t.chatID, b.msg.T(t.lang, "import_too_big", nil), nil)
		return true, nil
	case err != nil:
		b.log.Warn("download document", "err", err)
		b.send(ctx, t.chatID, b.msg.T(t.lang, "import_download_failed", nil), nil)
		return true, nil
	}

	b.consultationMu.Lock()
	c, updated, err := consultations.Import(ctx, b.store, data, b.now())
	b.consultationMu.Unlock()
	if err != nil {
		return true, b.refuseImport(ctx, t, name, err)
	}
	key := "import_done"
	if updated {
		key = "import_updated"
	}
	b.audit(ctx, t, "import", c.Slug, fmt.Sprintf("%s: %d questions, %s%s", name, len(c.Questions), c.Status, schedule(c, "opens", "closes")), true)
	text := b.msg.T(t.lang, key, nil) + " <code>" + html.EscapeString(c.Slug) + "</code>: " +
		b.msg.N(t.lang, "import_questions", len(c.Questions), nil) + ", " + b.statusName(t.lang, c.Status) +
		html.EscapeString(schedule(c, b.msg.T(t.lang, "import_opens", nil), b.msg.T(t.lang, "import_closes", nil)))
	if c.Status == consultations.StatusDraft && c.Opens.IsZero() {
		text += "\n\n" + b.msg.T(t.lang, "authoring_next_open", nil) + " <code>/open " + html.EscapeString(c.Slug) + "</code>"
	}
	b.send(ctx, t.chatID, text, nil)
	return true, nil
}

// refuseImport lists the problems of a refused file as `parlabot import`
// does, under a translated summary. Errors that are not about the file are
// returned, for the usual apology.
func (b *Bot) refuseImport(ctx context.Context, t *turn, name string, err error) error {
	var v *consultations.ValidationError
	if !errors.As(err, &v) {
		return fmt.Errorf("import a consultation file: %w", err) // its name came from the clerk: kept out of logs
	}
	b.audit(ctx, t, "import", name, fmt.Sprintf("refused: %d problems", len(v.Problems)), true)
	heading := "<b>" + html.EscapeString(name) + "</b>: " + b.msg.N(t.lang, "import_refused", len(v.Problems), nil)
	b.sendProblems(ctx, t, heading, name, v.Problems)
	return nil
}

// download fetches a file sent to the bot, refusing more than maxImportSize.
func (b *Bot) download(ctx context.Context, fileID string) ([]byte, error) {
	var f *models.File
	err := b.retry(ctx, "getFile", func() (err error) {
		f, err = b.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	if f.FileSize > maxImportSize {
		return nil, errTooBig
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.api.http.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // the URL holds the bot's token: keep it out of logs
		}
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	if len(data) > maxImportSize {
		return nil, errTooBig
	}
	return data, nil
}

// schedule describes a consultation's dates as `parlabot import` does:
// " (opens 2026-12-01 09:00 -03:00, closes …)", with the words given.
func schedule(c *consultations.Consultation, opens, closes string) string {
	var parts []string
	if !c.Opens.IsZero() {
		parts = append(parts, opens+" "+c.Opens.Format("2006-01-02 15:04 -07:00"))
	}
	if !c.Closes.IsZero() {
		parts = append(parts, closes+" "+c.Closes.Format("2006-01-02 15:04 -07:00"))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// statusName is a status as staff read it in their language.
func (b *Bot) statusName(lang string, s consultations.Status) string {
	return b.msg.T(lang, "consultation_status_"+string(s), nil)
}
