package bot

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/parlabot/parlabot/consultations"
)

// grant gives a user a staff role: /grant <user id or @username> <role>.
func (b *Bot) grant(ctx context.Context, t *turn) error {
	who, role, ok := b.parseGrant(ctx, t, true)
	if !ok {
		return nil
	}
	if err := b.store.Grant(ctx, who.UserID, role); err != nil {
		return err
	}
	b.reloadRoles(ctx, who.UserID)
	b.audit(ctx, t, "grant", strconv.FormatInt(who.UserID, 10), string(role), true)
	b.setStaffMenu(ctx, who.UserID)
	b.send(ctx, t.chatID, b.msg.T(t.lang, "granted", map[string]any{"User": html.EscapeString(who.label), "Role": b.roleName(t.lang, role)}), nil)
	if who.citizen != nil && who.UserID != t.citizen.UserID {
		lang := who.citizen.Language
		b.send(ctx, who.citizen.ChatID, b.msg.T(lang, "you_were_granted", map[string]any{"Role": b.roleName(lang, role)}), nil)
	}
	return nil
}

// revoke takes a role away: /revoke <user id or @username> [role]; without
// a role, every role granted in chat.
func (b *Bot) revoke(ctx context.Context, t *turn) error {
	who, role, ok := b.parseGrant(ctx, t, false)
	if !ok {
		return nil
	}
	revoked := []consultations.Role{role}
	if role == "" {
		revoked = consultations.Grantable
	}
	for _, r := range revoked {
		if err := b.store.Revoke(ctx, who.UserID, r); err != nil {
			return err
		}
	}
	b.reloadRoles(ctx, who.UserID)
	b.audit(ctx, t, "revoke", strconv.FormatInt(who.UserID, 10), string(role), true)
	b.setStaffMenu(ctx, who.UserID)
	b.send(ctx, t.chatID, b.msg.T(t.lang, "revoked", map[string]any{"User": html.EscapeString(who.label)}), nil)
	return nil
}

// grantee is who a /grant or /revoke names.
type grantee struct {
	UserID  int64
	label   string                 // as the admin wrote it
	citizen *consultations.Citizen // nil when they never wrote to the bot
}

// parseGrant reads "<user id or @username> [role]", telling the admin what
// is wrong when it doesn't parse. needRole: the role is required.
func (b *Bot) parseGrant(ctx context.Context, t *turn, needRole bool) (grantee, consultations.Role, bool) {
	fields := strings.Fields(t.args)
	if len(fields) < 1 || len(fields) > 2 || (needRole && len(fields) != 2) || textLength(fields[0]) > maxUserArg {
		key := "grant_usage"
		if !needRole {
			key = "revoke_usage"
		}
		b.send(ctx, t.chatID, b.msg.T(t.lang, key, nil), nil)
		return grantee{}, "", false
	}
	var role consultations.Role
	if len(fields) == 2 {
		role = consultations.Role(strings.ToLower(fields[1]))
		if !slices.Contains(consultations.Grantable, role) {
			b.send(ctx, t.chatID, b.msg.T(t.lang, "unknown_role", map[string]any{"Role": html.EscapeString(clip(fields[1], maxRoleArg))}), nil)
			return grantee{}, "", false
		}
	}
	g := grantee{label: fields[0]}
	if strings.HasPrefix(fields[0], "@") {
		c, err := b.store.CitizenByUsername(ctx, fields[0])
		if err != nil {
			if consultations.ErrorCode(err) == consultations.ENOTFOUND {
				b.send(ctx, t.chatID, b.msg.T(t.lang, "unknown_username", map[string]any{"User": html.EscapeString(fields[0])}), nil)
				return grantee{}, "", false
			}
			b.log.Error("find username", "err", err)
			b.fail(ctx, t)
			return grantee{}, "", false
		}
		g.UserID, g.citizen = c.UserID, c
		return g, role, true
	}
	id, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || id <= 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "grant_usage", nil), nil)
		return grantee{}, "", false
	}
	g.UserID = id
	if c, err := b.store.Citizen(ctx, id); err == nil {
		g.citizen = c
	}
	return g, role, true
}

// reloadRoles refreshes the cached roles of a user from the store.
func (b *Bot) reloadRoles(ctx context.Context, userID int64) {
	all, err := b.store.StaffRoles(ctx)
	if err != nil {
		b.log.Error("read staff roles", "err", err)
		return
	}
	b.roles.set(userID, all[userID])
}

// roleName is a role as staff read it in their language.
func (b *Bot) roleName(lang string, r consultations.Role) string {
	return b.msg.T(lang, "role_"+string(r), nil)
}

// auditLog shows the latest staff actions: /audit.
func (b *Bot) auditLog(ctx context.Context, t *turn) error {
	entries, err := b.store.AuditLog(ctx, 20)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "audit_empty", nil), nil)
		return nil
	}
	var sb strings.Builder
	sb.WriteString("<b>" + b.msg.T(t.lang, "audit_title", nil) + "</b>\n")
	for _, e := range entries {
		mark := "✓"
		if !e.Allowed {
			mark = "✗"
		}
		line := fmt.Sprintf("%s %s · %d · %s", mark, e.At.UTC().Format("2006-01-02 15:04"), e.Actor, e.Action)
		if e.Target != "" {
			line += " " + e.Target
		}
		if e.Detail != "" {
			line += " (" + e.Detail + ")"
		}
		sb.WriteString("\n<code>" + html.EscapeString(line) + "</code>")
	}
	b.send(ctx, t.chatID, sb.String(), nil)
	return nil
}
