package consultations

import (
	"context"
	"time"
)

// Role is what a member of parliamentary staff may do in the bot. Citizens
// have no role.
type Role string

// The staff roles. Admins come from the deployment's configuration
// (--admins) and grant the others in chat.
const (
	RoleAdmin   Role = "admin"   // everything, including granting roles
	RoleClerk   Role = "clerk"   // create, open, close, broadcast, see results
	RoleAnalyst Role = "analyst" // see results and export
)

// Roles lists the roles in the order menus and messages name them.
var Roles = []Role{RoleAdmin, RoleClerk, RoleAnalyst}

// Grantable are the roles an admin can grant in chat; admin comes from the
// configuration only.
var Grantable = []Role{RoleClerk, RoleAnalyst}

// AuditEntry is one line of the audit log: who did (or tried to do) what,
// when. Staff are identified by Telegram user id; citizens never appear.
type AuditEntry struct {
	Seq     uint64 // assigned by the store, in order
	At      time.Time
	Actor   int64  // Telegram user id of the staff member (or would-be)
	Action  string // "grant", "revoke", "import", "open", "close", "broadcast", "export", "refused", ...
	Target  string // a consultation slug, a user id, a role
	Detail  string // what else a reader needs, without citizens' data
	Allowed bool   // false for a refused attempt
}

// StaffStore keeps roles and the audit log.
type StaffStore interface {
	// Grant gives a user a role; granting it again changes nothing.
	Grant(ctx context.Context, userID int64, role Role) error
	// Revoke takes a role away; revoking a role the user lacks changes nothing.
	Revoke(ctx context.Context, userID int64, role Role) error
	// StaffRoles returns the roles granted in chat to each user who has one.
	StaffRoles(ctx context.Context) (map[int64][]Role, error)
	// Audit appends an entry to the audit log. There is no way to change or
	// remove one.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLog returns the latest entries, newest first, at most limit.
	AuditLog(ctx context.Context, limit int) ([]AuditEntry, error)
}
