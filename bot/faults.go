package bot

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// alertEvery is the least time between two alerts to the admins about the
// database: one tells them; more would bury the chat.
const alertEvery = 10 * time.Minute

// What a database failure stopped, as the admins' alert says it (message ids).
const (
	faultSave   = "alert_store_save"   // saving what citizens sent
	faultChange = "alert_store_change" // saving a staff member's change
	faultRead   = "alert_store_read"   // reading
)

// storeFault is an error of the database itself (a full disk, a closed
// file), as opposed to an answer such as "not found" or a bug elsewhere.
// Only such a failure makes an update come again: it will go through once
// the database works, while a bug would fail the same way forever.
type storeFault struct {
	what string // faultSave, faultChange or faultRead
	err  error
}

func (f *storeFault) Error() string { return f.err.Error() }
func (f *storeFault) Unwrap() error { return f.err }

// cause is what the database reported, in its own words and without the
// operation and file names wrapped around it ("no space left on device").
func (f *storeFault) cause() string {
	err := f.err
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// faultTagger marks the store's own failures as *storeFault, so that
// whoever gets the error, however wrapped, can tell a failing database from
// a refusal. Methods it does not list pass through unmarked.
type faultTagger struct {
	consultations.Store
}

// tag marks err as a store fault of the kind what, unless it is a domain
// answer (not found, invalid, conflict, closed) or the caller gave up.
func tag(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch consultations.ErrorCode(err) {
	case consultations.EINTERNAL, consultations.ELOCKED:
		return &storeFault{what: what, err: err}
	}
	return err
}

func (s faultTagger) Commit(ctx context.Context, ch consultations.Change) error {
	return tag(faultSave, s.Store.Commit(ctx, ch))
}

func (s faultTagger) MarkUpdates(ctx context.Context, ids ...int64) error {
	return tag(faultSave, s.Store.MarkUpdates(ctx, ids...))
}

func (s faultTagger) PutConsultation(ctx context.Context, c *consultations.Consultation) error {
	return tag(faultChange, s.Store.PutConsultation(ctx, c))
}

func (s faultTagger) Grant(ctx context.Context, userID int64, role consultations.Role) error {
	return tag(faultChange, s.Store.Grant(ctx, userID, role))
}

func (s faultTagger) Revoke(ctx context.Context, userID int64, role consultations.Role) error {
	return tag(faultChange, s.Store.Revoke(ctx, userID, role))
}

func (s faultTagger) Audit(ctx context.Context, e consultations.AuditEntry) error {
	return tag(faultChange, s.Store.Audit(ctx, e))
}

func (s faultTagger) CreateBroadcast(ctx context.Context, bc *consultations.Broadcast, ds []consultations.Delivery) error {
	return tag(faultChange, s.Store.CreateBroadcast(ctx, bc, ds))
}

func (s faultTagger) SaveBroadcast(ctx context.Context, bc *consultations.Broadcast) error {
	return tag(faultChange, s.Store.SaveBroadcast(ctx, bc))
}

func (s faultTagger) UpdateSeen(ctx context.Context, id int64) (bool, error) {
	seen, err := s.Store.UpdateSeen(ctx, id)
	return seen, tag(faultRead, err)
}

func (s faultTagger) Citizen(ctx context.Context, userID int64) (*consultations.Citizen, error) {
	c, err := s.Store.Citizen(ctx, userID)
	return c, tag(faultRead, err)
}

func (s faultTagger) Consultation(ctx context.Context, slug string) (*consultations.Consultation, error) {
	c, err := s.Store.Consultation(ctx, slug)
	return c, tag(faultRead, err)
}

func (s faultTagger) Consultations(ctx context.Context) ([]*consultations.Consultation, error) {
	cs, err := s.Store.Consultations(ctx)
	return cs, tag(faultRead, err)
}

func (s faultTagger) Response(ctx context.Context, slug, participant string) (*consultations.Response, error) {
	r, err := s.Store.Response(ctx, slug, participant)
	return r, tag(faultRead, err)
}

func (s faultTagger) Forget(ctx context.Context, userID int64, participant string) (consultations.Forgotten, error) {
	f, err := s.Store.Forget(ctx, userID, participant)
	return f, tag(faultSave, err)
}

func (s faultTagger) DeleteCitizen(ctx context.Context, userID int64) error {
	return tag(faultSave, s.Store.DeleteCitizen(ctx, userID))
}

func (s faultTagger) Anonymise(ctx context.Context, slug string) (int, error) {
	n, err := s.Store.Anonymise(ctx, slug)
	return n, tag(faultChange, err)
}

func (s faultTagger) ResponsesOf(ctx context.Context, participant string) ([]*consultations.Response, error) {
	rs, err := s.Store.ResponsesOf(ctx, participant)
	return rs, tag(faultRead, err)
}

func (s faultTagger) Tally(ctx context.Context, slug string) (*consultations.Tally, error) {
	t, err := s.Store.Tally(ctx, slug)
	return t, tag(faultRead, err)
}

func (s faultTagger) CountCompleted(ctx context.Context, slug string) (int, error) {
	n, err := s.Store.CountCompleted(ctx, slug)
	return n, tag(faultRead, err)
}

// faults is what the bot remembers about database failures: when it last
// alerted the admins, and which updates' senders it has already asked to
// try again (an update that keeps failing comes again and again).
type faults struct {
	mu         sync.Mutex
	lastAlert  time.Time
	apologised map[int64]bool // update ids
}

// maxApologies bounds faults.apologised; past it the set starts over.
const maxApologies = 10000

// mayAlert reports whether an alert is due at now, and if so counts it sent.
func (f *faults) mayAlert(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.lastAlert.IsZero() && !now.Before(f.lastAlert) && now.Sub(f.lastAlert) < alertEvery {
		return false
	}
	f.lastAlert = now
	return true
}

// firstApology reports whether the sender of the update has not yet been
// asked to try again for it, and counts them asked.
func (f *faults) firstApology(updateID int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.apologised[updateID] {
		return false
	}
	if f.apologised == nil || len(f.apologised) >= maxApologies {
		f.apologised = map[int64]bool{}
	}
	f.apologised[updateID] = true
	return true
}

// handling carries what became of an update from its handler, which the
// library calls without a result, back to Handle.
type handling struct {
	lost error // set when the update's effects could not be stored
}

type handlingKey struct{}

// withHandling returns a context through which the handler reports to h.
func withHandling(ctx context.Context) (context.Context, *handling) {
	h := &handling{}
	return context.WithValue(ctx, handlingKey{}, h), h
}

// handlerFailed deals with a handler's error. The sender gets a kind
// "please try again later" in their language; a failing database alerts
// the admins; and if the update's effects are not stored, the update is
// reported lost, so that it comes again (see Handle), its sender being told
// only the first time.
func (b *Bot) handlerFailed(ctx context.Context, t *turn, err error) {
	var sf *storeFault
	if !errors.As(err, &sf) {
		b.log.Error("handle update", "update_id", t.update.ID, "code", consultations.ErrorCode(err), "err", err)
		b.fail(ctx, t)
		return
	}
	_, recorded := b.recorded.Load(t.update.ID)
	b.log.Error("database failed while handling an update", "update_id", t.update.ID, "stored", recorded, "err", err)
	b.alertAdmins(ctx, sf)
	if !recorded {
		if h, ok := ctx.Value(handlingKey{}).(*handling); ok {
			h.lost = err
		}
		if !b.faults.firstApology(t.update.ID) {
			return
		}
	}
	if t.chatID != 0 || t.query != nil {
		b.fail(ctx, t)
	}
}

// senderTurn is the least turn that lets the bot answer an update's sender
// (their chat or their button, in their app's language) when it could not
// even load them.
func (b *Bot) senderTurn(u *models.Update) *turn {
	t := &turn{update: u}
	from, chat, query := origin(u)
	switch {
	case query != nil:
		t.query = query
	case chat != nil && chat.Type == models.ChatTypePrivate:
		t.chatID = chat.ID
	}
	if from != nil {
		t.lang = b.msg.Lang(from.LanguageCode)
	} else {
		t.lang = b.msg.Default()
	}
	return t
}

// alertAdmins tells every admin in chat, in their language, what the
// database failed to do and what it reported, at most once every
// alertEvery. The alert names no citizen and quotes nothing they wrote.
func (b *Bot) alertAdmins(ctx context.Context, sf *storeFault) {
	if !b.faults.mayAlert(b.now()) {
		return
	}
	admins := b.adminIDs()
	if len(admins) == 0 {
		b.log.Warn("no admin to alert about the database: set --admins")
		return
	}
	data := map[string]any{"Cause": html.EscapeString(sf.cause())}
	for _, id := range admins {
		lang, chat := b.msg.Default(), id // a private chat's id is the user's
		if c, err := b.store.Citizen(ctx, id); err == nil {
			if i18n.Supported(c.Language) {
				lang = c.Language
			}
			if c.ChatID != 0 {
				chat = c.ChatID
			}
		}
		text := b.msg.T(lang, sf.what, data) + "\n\n" + b.msg.T(lang, "alert_store_advice", nil)
		if b.send(ctx, chat, text, nil) == 0 {
			b.log.Warn("could not alert an admin about the database", slog.Int64("admin", id))
		}
	}
}

// adminIDs lists the users with the admin role: the configured admins and
// those granted it in chat.
func (b *Bot) adminIDs() []int64 {
	var ids []int64
	for _, id := range b.roles.staff() {
		if b.roles.may(id, adminsOnly) {
			ids = append(ids, id)
		}
	}
	return ids
}
