// Package auth holds postvakt's access rules: who a request acts as (a
// logged-in user or an API token), what each role may do, password hashing
// (bcrypt), and the random secrets behind sessions and CSRF tokens. It does
// no I/O; the web layer looks principals up through the store.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"postvakt/internal/store"
)

// Roles.
const (
	RoleAdmin      = "admin"      // users and settings, and everything compliance sees
	RoleCompliance = "compliance" // everything of their sender organisation
	RoleUnit       = "unit"       // only their own sending unit's shipments
	RoleOperations = "operations" // health and metrics, no personal data
)

// Permission is something a role may or may not do.
type Permission string

// Permissions.
const (
	ViewShipments  Permission = "view_shipments"  // lists, evidence, exports, search
	RecordFollowUp Permission = "record_followup" // follow-up decisions
	ApprovePrint   Permission = "approve_print"   // release or reject print batches
	ViewAudit      Permission = "view_audit"      // the audit log
	ViewOperations Permission = "view_operations" // health and metrics pages
	ManageUsers    Permission = "manage_users"    // users and API tokens
	Settle         Permission = "settle"          // reminders of unknown outcome, reminder addresses
	ResolveManual  Permission = "resolve_manual"  // resolve manual-handling cases (in scope: a unit its own)
	ViewAlerts     Permission = "view_alerts"     // health alerts (no personal data)
	ViewRules      Permission = "view_rules"      // the policies and health rules in force (no personal data)
	// ViewRuleAddresses: the e-mail addresses the policies' escalation.to
	// and the health rules' to: name (a person's, maybe); without it the
	// rules page counts them. With it a principal scoped to an
	// organisation reads only those of the policies of that organisation
	// alone (policy.Viewer decides).
	ViewRuleAddresses Permission = "view_rule_addresses"
	ImportLetters     Permission = "import_letters" // register letters from a CSV file in the UI (in scope: a unit its own)
)

// grants is the whole access matrix in one place.
var grants = map[string][]Permission{
	RoleAdmin: {ViewShipments, RecordFollowUp, ApprovePrint, ViewAudit, ViewOperations, ManageUsers, Settle, ResolveManual, ViewAlerts,
		ViewRules, ViewRuleAddresses, ImportLetters},
	RoleCompliance: {ViewShipments, RecordFollowUp, ApprovePrint, ViewAudit, Settle, ResolveManual, ViewAlerts, ViewRules, ViewRuleAddresses,
		ImportLetters},
	// A unit resolves its own letters' manual cases: the Danish policies'
	// physical post (reason physical_post) is the unit's to order, and
	// their escalation.to tells the unit. It imports its own letters, as
	// its token registers them through the API (the scope decides which:
	// Principal.Scope).
	RoleUnit:       {ViewShipments, RecordFollowUp, ResolveManual, ViewRules, ImportLetters},
	RoleOperations: {ViewOperations, ViewAlerts, ViewRules},
}

// Principal is who a request acts as.
type Principal struct {
	Kind      string // "user" or "token"
	Name      string
	Role      string
	SenderOrg string // empty: every sender organisation
	Unit      string // role unit: the one sending unit
	UserID    int64  // a user's id (0 for a token)
	Lang      string // a user's UI language; empty: the browser's
}

// FromToken is the principal of an API token.
func FromToken(t *store.Token) *Principal {
	return &Principal{Kind: "token", Name: t.Name, Role: t.Role, SenderOrg: t.SenderOrg, Unit: t.Unit}
}

// FromUser is the principal of a logged-in user.
func FromUser(u *store.User) *Principal {
	return &Principal{Kind: "user", Name: u.Name, Role: u.Role, SenderOrg: u.SenderOrg, Unit: u.Unit, UserID: u.ID, Lang: u.Lang}
}

// Actor names the principal in the audit log and the evidence log:
// "user:kari" or "token:sak-system".
func (p *Principal) Actor() string { return p.Kind + ":" + p.Name }

// Can says whether the principal's role grants perm.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return false
	}
	for _, g := range grants[p.Role] {
		if g == perm {
			return true
		}
	}
	return false
}

// AccessSubject is the audit SubjectOrg of making or changing a user or
// token of role and org (the admin page and the commands alike): whose
// letters its access opens, its organisation's; every organisation's
// (store.SubjectAll) when it is unscoped and its role sees letters; none
// (store.SubjectNone) when it sees no letters.
func AccessSubject(role, org string) string {
	switch {
	case org != "":
		return org
	case (&Principal{Role: role}).Can(ViewShipments):
		return store.SubjectAll
	}
	return store.SubjectNone
}

// Scope is the part of the shipments the principal may see: its sender
// organisation (every one when empty), and for role unit its unit only.
// Operations sees none; callers check ViewShipments first.
func (p *Principal) Scope() store.Scope {
	if p.Role == RoleUnit {
		return store.Scope{SenderOrg: p.SenderOrg, SenderUnit: p.Unit}
	}
	return store.Scope{SenderOrg: p.SenderOrg}
}

// MinPasswordLength is the shortest password a user may have.
const MinPasswordLength = 12

// HashPassword returns the bcrypt hash of a password.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("password too short: at least %d characters", MinPasswordLength)
	}
	if len(password) > 72 {
		return "", errors.New("password too long: at most 72 bytes (bcrypt)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword says whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is compared against when a user does not exist, so a login
// takes as long for an unknown name as for a wrong password. It is a
// constant (bcrypt of "postvakt-no-such-user" at bcrypt.DefaultCost):
// hashing it at start-up cost every postvakt command, `poll --once`
// included, about 50 ms of CPU (TestDummyHashCost checks the cost).
var dummyHash = []byte("$2a$10$oevCcnpy9pbCuPNRXFvwYOOLLoH.PslATwlqNFGAuc9qHIXiJcmkS")

// WasteTime burns the time of one password check (unknown user).
func WasteTime(password string) { _ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password)) }

// GeneratePassword returns a random password of 20 characters.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never happens on Linux
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// NewSecret returns 32 random bytes, URL-safe base64: session ids and CSRF
// tokens.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is what is stored of a session secret.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Equal compares two secrets in constant time; an empty one never matches.
func Equal(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
