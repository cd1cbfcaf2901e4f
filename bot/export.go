package bot

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/export"
)

// DefaultMaxDocumentBytes is the largest document sent in chat when
// Config.MaxDocumentBytes is not set: Telegram's 50 MB limit for bots.
const DefaultMaxDocumentBytes int64 = 50 << 20

// exporters may take the responses away: admins and analysts. Clerks run
// consultations and read their results, but do not export.
var exporters = []consultations.Role{consultations.RoleAdmin, consultations.RoleAnalyst}

// formatLabels name the export formats on the buttons and in messages.
var formatLabels = map[string]string{
	export.FormatCSV:   "CSV",
	export.FormatXLSX:  "Excel (XLSX)",
	export.FormatJSONL: "JSON Lines",
}

// exporter prepares the exports asked for in chat in the background, one
// at a time, so that a large export neither holds up the citizen's other
// updates nor fills the disk or the uplink with several at once.
type exporter struct {
	limit int64 // the largest document sent, in bytes

	busy atomic.Bool // an export is being prepared or sent
	wg   sync.WaitGroup

	mu  sync.Mutex
	ctx context.Context // ends when the bot stops; set by startExports
}

func newExporter(limit int64) *exporter {
	if limit <= 0 {
		limit = DefaultMaxDocumentBytes
	}
	return &exporter{limit: limit, ctx: context.Background()}
}

// startExports ties the exports to come to ctx: when it ends, an export
// under way stops and its staff member is told. Call it from Run, and
// waitExports before Run returns, so that no export outlives the database.
func (b *Bot) startExports(ctx context.Context) {
	b.exports.mu.Lock()
	b.exports.ctx = ctx
	b.exports.mu.Unlock()
}

// waitExports returns once the export under way, if any, has finished.
func (b *Bot) waitExports() { b.exports.wg.Wait() }

// exportRoutes registers /export and its buttons.
func (b *Bot) exportRoutes() {
	b.staffCommand("export", exporters, b.exportCommand)
	b.staffButton(actExport, exporters, b.exportChooseFormat)
	b.staffButton(actExportRun, exporters, b.exportButton)
}

// exportRequest is one export asked for: what, in which form, for whom.
type exportRequest struct {
	c      *consultations.Consultation
	format string
	opts   export.Options
	chatID int64
	actor  int64  // the staff member's user id, for the audit log
	lang   string // the staff member's language: messages and codebook labels
}

// exportCommand sends a consultation's responses as a document:
// /export [<slug> [<format> [wide|long]]]. What is left out is asked for
// with buttons.
func (b *Bot) exportCommand(ctx context.Context, t *turn) error {
	args := strings.Fields(t.args)
	if len(args) == 0 {
		return b.exportChooseConsultation(ctx, t)
	}
	slug := args[0]
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND || !consultations.SlugPattern.MatchString(slug) {
		// A slug is never longer than 64; the message must fit.
		b.send(ctx, t.chatID, b.msg.T(t.lang, "export_unknown", map[string]any{"Slug": html.EscapeString(clip(slug, 64))}), nil)
		return nil
	}
	if err != nil {
		return err
	}
	if len(args) == 1 {
		sc := b.formatScreen(t.lang, c)
		b.send(ctx, t.chatID, sc.text, sc.kb)
		return nil
	}
	format, layout := strings.ToLower(args[1]), export.LayoutWide
	if len(args) == 3 {
		layout = strings.ToLower(args[2])
	}
	if !export.IsFormat(format) || len(args) > 3 || (layout != export.LayoutWide && layout != export.LayoutLong) {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "export_usage", map[string]any{"Slug": html.EscapeString(c.Slug)}), nil)
		return nil
	}
	b.startExport(ctx, t, b.newExportRequest(t, c, format, layout))
	return nil
}

// exportChooseConsultation lists the consultations as buttons, newest
// first; older ones beyond the list are exported by slug.
func (b *Bot) exportChooseConsultation(ctx context.Context, t *turn) error {
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "export_none", nil), nil)
		return nil
	}
	slices.SortStableFunc(all, func(x, y *consultations.Consultation) int { return y.Created.Compare(x.Created) })
	var rows [][]models.InlineKeyboardButton
	for i, c := range all {
		if i == maxListed {
			break
		}
		label := c.Title.In(t.lang, c.DefaultLanguage) + " · " + c.Slug
		rows = append(rows, []models.InlineKeyboardButton{btn(label, encodeCallback(actExport, slugKey(c.Slug)))})
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "export_choose", nil), keyboard(rows...))
	return nil
}

// formatScreen asks in which format to export c.
func (b *Bot) formatScreen(lang string, c *consultations.Consultation) screen {
	key := slugKey(c.Slug)
	var rows [][]models.InlineKeyboardButton
	for _, f := range export.Formats {
		rows = append(rows, []models.InlineKeyboardButton{btn(formatLabels[f], encodeCallback(actExportRun, key, f))})
	}
	text := b.msg.T(lang, "export_choose_format", map[string]any{"Title": html.EscapeString(c.Title.In(lang, c.DefaultLanguage))})
	return screen{text: text, kb: keyboard(rows...)}
}

// exportChooseFormat is a consultation's button in the list: the format
// buttons take the list's place.
func (b *Bot) exportChooseFormat(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil
	}
	sc := b.formatScreen(t.lang, c)
	b.show(ctx, t.chatID, t.messageID, sc.text, sc.kb)
	return nil
}

// exportButton is a format's button: the export starts.
func (b *Bot) exportButton(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	format := t.cb.Args[1]
	if c == nil || !export.IsFormat(format) {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil
	}
	b.startExport(ctx, t, b.newExportRequest(t, c, format, export.LayoutWide))
	return nil
}

func (b *Bot) newExportRequest(t *turn, c *consultations.Consultation, format, layout string) exportRequest {
	return exportRequest{
		c: c, format: format, opts: export.Options{Layout: layout, Lang: t.lang},
		chatID: t.chatID, actor: t.citizen.UserID, lang: t.lang,
	}
}

// startExport says the export is being prepared and prepares it in the
// background, unless another is under way.
func (b *Bot) startExport(ctx context.Context, t *turn, req exportRequest) {
	x := b.exports
	x.mu.Lock()
	base := x.ctx
	x.mu.Unlock()
	if base.Err() != nil { // the bot is stopping
		b.send(ctx, t.chatID, b.msg.T(t.lang, "export_interrupted", nil), nil)
		return
	}
	if !x.busy.CompareAndSwap(false, true) {
		busy := b.msg.T(t.lang, "export_busy", nil)
		if t.query != nil {
			b.answerQuery(ctx, t, busy)
			return
		}
		b.send(ctx, t.chatID, busy, nil)
		return
	}
	b.uploadingDocument(ctx, t.chatID)
	b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, "export_preparing", map[string]any{
		"Title": html.EscapeString(req.c.Title.In(t.lang, req.c.DefaultLanguage)), "Format": formatLabels[req.format],
	}), nil)
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		defer x.busy.Store(false)
		b.runExport(base, req)
	}()
}

// runExport prepares and sends an export; on failure it logs why and tells
// the staff member, kindly.
func (b *Bot) runExport(ctx context.Context, req exportRequest) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("export panic", "consultation", req.c.Slug, "panic", p, "stack", string(debug.Stack()))
			b.exportFailed(ctx, req)
		}
	}()
	if err := b.deliverExport(ctx, req); err != nil {
		b.log.Error("export in chat", "consultation", req.c.Slug, "format", req.format, "err", err)
		b.exportFailed(ctx, req)
	}
}

// exportFailed tells the staff member the export did not arrive, even
// when the bot is stopping.
func (b *Bot) exportFailed(ctx context.Context, req exportRequest) {
	id := "export_failed"
	if ctx.Err() != nil {
		id = "export_interrupted"
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	b.send(sctx, req.chatID, b.msg.T(req.lang, id, nil), nil)
}

// deliverExport writes the export to a temporary file and sends it with
// its codebook; one over the size limit goes zipped, codebook inside, and
// one still over it is not sent: the staff member gets the command line
// that writes it instead.
func (b *Bot) deliverExport(ctx context.Context, req exportRequest) error {
	f, n, err := b.writeExport(ctx, req)
	if err != nil {
		return err
	}
	defer removeTemp(f)
	size, err := sizeOf(f)
	if err != nil {
		return err
	}
	slug, title := req.c.Slug, html.EscapeString(req.c.Title.In(req.lang, req.c.DefaultLanguage))
	caption := b.msg.N(req.lang, "export_caption", n, map[string]any{"Title": title})
	if n == 0 {
		caption = b.msg.T(req.lang, "export_caption_empty", map[string]any{"Title": title})
	}
	if size == 0 {
		// JSON Lines of no responses is an empty file, which Telegram
		// refuses: the codebook alone says what the lines will hold.
		return b.deliverEmptyExport(ctx, req, caption)
	}
	limit := b.exports.limit
	if size <= limit {
		if err := b.sendDocument(ctx, req.chatID, export.FileName(slug, req.format), f, size, caption); err != nil {
			return err
		}
		b.auditExport(ctx, req, n)
		book := export.CodebookName(slug, req.format)
		if book == "" {
			return nil
		}
		var buf bytes.Buffer
		if err := export.WriteCodebook(&buf, req.c, req.format, req.opts); err != nil {
			return fmt.Errorf("write codebook of %q: %w", slug, err)
		}
		return b.sendDocument(ctx, req.chatID, book, bytes.NewReader(buf.Bytes()), int64(buf.Len()), b.msg.T(req.lang, "export_codebook", nil))
	}
	z, err := b.zipExport(ctx, req, f, size)
	if err != nil {
		return err
	}
	defer removeTemp(z)
	zsize, err := sizeOf(z)
	if err != nil {
		return err
	}
	if zsize > limit {
		b.send(ctx, req.chatID, b.msg.T(req.lang, "export_too_big", map[string]any{
			"Title": title, "Size": byteSize(req.lang, zsize), "Limit": byteSize(req.lang, limit),
		})+"\n\n<code>"+html.EscapeString(exportCommandLine(req))+"</code>", nil)
		return nil
	}
	caption += "\n" + b.msg.T(req.lang, "export_zipped", map[string]any{"Limit": byteSize(req.lang, limit)})
	if err := b.sendDocument(ctx, req.chatID, export.FileName(slug, req.format)+".zip", z, zsize, caption); err != nil {
		return err
	}
	b.auditExport(ctx, req, n)
	return nil
}

// deliverEmptyExport sends, for an export without a single byte, its
// codebook with the caption (there are no responses yet), or the caption
// alone when the format has no separate codebook.
func (b *Bot) deliverEmptyExport(ctx context.Context, req exportRequest, caption string) error {
	book := export.CodebookName(req.c.Slug, req.format)
	if book == "" {
		b.send(ctx, req.chatID, caption, nil)
		b.auditExport(ctx, req, 0)
		return nil
	}
	var buf bytes.Buffer
	if err := export.WriteCodebook(&buf, req.c, req.format, req.opts); err != nil {
		return fmt.Errorf("write codebook of %q: %w", req.c.Slug, err)
	}
	caption += "\n" + b.msg.T(req.lang, "export_codebook", nil)
	if err := b.sendDocument(ctx, req.chatID, book, bytes.NewReader(buf.Bytes()), int64(buf.Len()), caption); err != nil {
		return err
	}
	b.auditExport(ctx, req, 0)
	return nil
}

// writeExport writes the responses to a new temporary file, which the
// caller removes with removeTemp, and returns it with their number.
func (b *Bot) writeExport(ctx context.Context, req exportRequest) (_ *os.File, n int, err error) {
	f, err := os.CreateTemp("", "parlabot-export-*."+req.format)
	if err != nil {
		return nil, 0, fmt.Errorf("create temporary export file: %w", err)
	}
	defer func() {
		if err != nil {
			removeTemp(f)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	w, err := export.New(bw, req.c, req.format, req.opts)
	if err != nil {
		return nil, 0, err
	}
	err = b.store.EachResponse(ctx, req.c.Slug, func(r *consultations.Response) error {
		n++
		return w.Write(r)
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("export %q as %s: %w", req.c.Slug, req.format, err)
	}
	return f, n, nil
}

// zipExport compresses the export of size bytes in f, with its codebook,
// into a new temporary file, which the caller removes with removeTemp.
func (b *Bot) zipExport(ctx context.Context, req exportRequest, f io.ReaderAt, size int64) (_ *os.File, err error) {
	z, err := os.CreateTemp("", "parlabot-export-*.zip")
	if err != nil {
		return nil, fmt.Errorf("create temporary zip file: %w", err)
	}
	defer func() {
		if err != nil {
			removeTemp(z)
		}
	}()
	bw := bufio.NewWriterSize(z, 64<<10)
	zw := zip.NewWriter(bw)
	add := func(name string, write func(io.Writer) error) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.now()})
		if err != nil {
			return err
		}
		return write(w)
	}
	err = add(export.FileName(req.c.Slug, req.format), func(w io.Writer) error {
		_, err := io.Copy(w, ctxReader{ctx, io.NewSectionReader(f, 0, size)})
		return err
	})
	if book := export.CodebookName(req.c.Slug, req.format); book != "" && err == nil {
		err = add(book, func(w io.Writer) error { return export.WriteCodebook(w, req.c, req.format, req.opts) })
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return nil, fmt.Errorf("zip export of %q: %w", req.c.Slug, err)
	}
	return z, nil
}

// sendDocument uploads size bytes of data as a file named name. Each try
// reads data afresh, so a retried upload sends the whole file again.
func (b *Bot) sendDocument(ctx context.Context, chatID int64, name string, data io.ReaderAt, size int64, caption string) error {
	b.uploadingDocument(ctx, chatID)
	err := b.retry(ctx, "sendDocument", func() error {
		_, err := b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:    chatID,
			Document:  &models.InputFileUpload{Filename: name, Data: io.NewSectionReader(data, 0, size)},
			Caption:   caption,
			ParseMode: models.ParseModeHTML,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("send %s: %w", name, err)
	}
	return nil
}

// uploadingDocument shows "sending a file…" in the chat for a few seconds.
func (b *Bot) uploadingDocument(ctx context.Context, chatID int64) {
	_, err := b.tg.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: chatID, Action: models.ChatActionUploadDocument})
	if err != nil {
		b.log.Debug("send chat action", "err", err)
	}
}

// auditExport records an export that reached the staff member, as the
// command line records its own. The data are out: the entry is written
// even when the bot is stopping.
func (b *Bot) auditExport(ctx context.Context, req exportRequest, n int) {
	e := consultations.AuditEntry{
		At: b.now(), Actor: req.actor, Action: "export", Target: req.c.Slug, Allowed: true,
		Detail: fmt.Sprintf("chat, %s, responses: %d", req.format, n),
	}
	if err := b.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		b.log.Error("write audit log", "action", "export", "err", err)
	}
}

// exportCommandLine is the parlabot command that writes the same export
// to a file, for one too big to send in chat.
func exportCommandLine(req exportRequest) string {
	args := []string{"parlabot", "export", "--consultation", req.c.Slug, "--format", req.format}
	if req.opts.Layout == export.LayoutLong && req.format != export.FormatJSONL {
		args = append(args, "--layout", export.LayoutLong)
	}
	if req.opts.Lang != "" && req.opts.Lang != req.c.DefaultLanguage {
		args = append(args, "--lang", req.opts.Lang)
	}
	return strings.Join(append(args, "--out", export.FileName(req.c.Slug, req.format)), " ")
}

// byteSize writes a file size as people read it in lang: "12 KB", "50 MB",
// "63,5 MB".
func byteSize(lang string, n int64) string {
	unit, div := "MB", float64(1<<20)
	if n < 1<<20 {
		unit, div = "KB", 1<<10
	}
	s := strings.TrimSuffix(strconv.FormatFloat(float64(n)/div, 'f', 1, 64), ".0")
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0" + unit
}

// sizeOf is the size of an open file.
func sizeOf(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", f.Name(), err)
	}
	return st.Size(), nil
}

// removeTemp closes and deletes a temporary file.
func removeTemp(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// ctxReader stops reading once ctx ends, so that zipping a large export
// does not hold up the bot's shutdown.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
