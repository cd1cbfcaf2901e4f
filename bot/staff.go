package bot

import (
	"context"
	"slices"
	"sync"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// Who may use staff commands: admins do everything; clerks run
// consultations; analysts read results and export.
var (
	adminsOnly  = []consultations.Role{consultations.RoleAdmin}
	clerks      = []consultations.Role{consultations.RoleAdmin, consultations.RoleClerk}
	readResults = []consultations.Role{consultations.RoleAdmin, consultations.RoleClerk, consultations.RoleAnalyst}
)

// staffCommand is a registered staff command and the roles that may use it.
type staffCommand struct {
	name  string
	roles []consultations.Role
}

// roles is who has which staff role: admins from the configuration, the
// others as granted in chat (kept in the store, cached here).
type roles struct {
	mu      sync.RWMutex
	admins  map[int64]bool
	granted map[int64][]consultations.Role
}

// may reports whether the user has one of the roles; admins may do anything.
func (r *roles) may(userID int64, allowed []consultations.Role) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.admins[userID] {
		return true
	}
	for _, role := range r.granted[userID] {
		if slices.Contains(allowed, role) {
			return true
		}
	}
	return false
}

// of returns the user's roles, admin first.
func (r *roles) of(userID int64) []consultations.Role {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []consultations.Role
	if r.admins[userID] {
		out = append(out, consultations.RoleAdmin)
	}
	return append(out, r.granted[userID]...)
}

// isStaff reports whether the user has any role.
func (r *roles) isStaff(userID int64) bool { return len(r.of(userID)) > 0 }

// staff lists every user with a role.
func (r *roles) staff() []int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var ids []int64
	for id := range r.admins {
		ids = append(ids, id)
	}
	for id := range r.granted {
		if !r.admins[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// set replaces a user's granted roles in the cache.
func (r *roles) set(userID int64, granted []consultations.Role) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(granted) == 0 {
		delete(r.granted, userID)
		return
	}
	r.granted[userID] = granted
}

// staffCommand registers a command only users with one of the roles may
// use. Everyone else gets a polite refusal, and the attempt is audited.
// Staff commands are not behind the consent gate: what they store is the
// staff member's own data as staff.
func (b *Bot) staffCommand(name string, allowed []consultations.Role, h handlerFunc) {
	b.staffCmds = append(b.staffCmds, staffCommand{name: name, roles: allowed})
	b.handleCommand(name, b.requireRole("/"+name, allowed, h))
}

// staffButton registers a staff-only inline button action.
func (b *Bot) staffButton(action string, allowed []consultations.Role, h handlerFunc) {
	b.handleButton(action, b.requireRole("button "+action, allowed, h))
}

// requireRole is the one gate in front of every staff handler.
func (b *Bot) requireRole(what string, allowed []consultations.Role, h handlerFunc) handlerFunc {
	return func(ctx context.Context, t *turn) error {
		if b.roles.may(t.citizen.UserID, allowed) {
			return h(ctx, t)
		}
		b.audit(ctx, t, "refused", what, "", false)
		if t.query != nil {
			b.answerQuery(ctx, t, b.msg.T(t.lang, "staff_only", nil))
			return nil
		}
		b.send(ctx, t.chatID, b.msg.T(t.lang, "staff_only", nil), nil)
		return nil
	}
}

// audit records a staff action (or a refused attempt). A failure to write
// it is logged: the action has already happened.
func (b *Bot) audit(ctx context.Context, t *turn, action, target, detail string, allowed bool) {
	e := consultations.AuditEntry{At: b.now(), Actor: t.citizen.UserID, Action: action, Target: target, Detail: detail, Allowed: allowed}
	if err := b.store.Audit(ctx, e); err != nil {
		b.log.Error("write audit log", "action", action, "err", err)
	}
}

// setStaffMenu shows a staff member, in their private chat, the citizens'
// commands followed by the staff commands their roles allow, in each
// language; someone who lost every role gets the citizens' menu back.
func (b *Bot) setStaffMenu(ctx context.Context, userID int64) {
	scope := &models.BotCommandScopeChat{ChatID: userID}
	if !b.roles.isStaff(userID) {
		for _, code := range append([]string{""}, i18n.Languages...) {
			if _, err := b.tg.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: scope, LanguageCode: code}); err != nil {
				b.log.Warn("reset staff menu", "err", err)
			}
		}
		return
	}
	// One menu per language, and one without a language for staff whose
	// app speaks another, in the default language.
	for _, code := range append([]string{""}, i18n.Languages...) {
		lang := code
		if lang == "" {
			lang = b.msg.Default()
		}
		var cmds []models.BotCommand
		for _, c := range citizenCommands {
			cmds = append(cmds, models.BotCommand{Command: c, Description: b.msg.T(lang, "command_"+c, nil)})
		}
		for _, c := range b.staffCmds {
			if b.roles.may(userID, c.roles) {
				cmds = append(cmds, models.BotCommand{Command: c.name, Description: b.msg.T(lang, "command_"+c.name, nil)})
			}
		}
		params := &tgbot.SetMyCommandsParams{Commands: cmds, Scope: scope, LanguageCode: code}
		if _, err := b.tg.SetMyCommands(ctx, params); err != nil {
			b.log.Warn("set staff menu", "err", err)
		}
	}
}
