package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"postvakt/internal/model"
)

// The administration pages: users and API tokens. A disabled user's
// sessions and a revoked token stop working at once: every request looks
// them up (SessionByHash, TokenBySecret), and disabling also deletes the
// sessions.

// UserRow is a user as the administration page lists it.
type UserRow struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Role       string     `db:"role"`
	SenderOrg  string     `db:"sender_org"`
	Unit       string     `db:"unit"`
	Lang       string     `db:"lang"`
	Email      string     `db:"email"` // where escalation notices to the user's role go
	CreatedAt  time.Time  `db:"created_at"`
	DisabledAt *time.Time `db:"disabled_at"`
	Sessions   int        `db:"sessions"` // unexpired sessions
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context, now time.Time) ([]UserRow, error) {
	out := []UserRow{}
	if err := s.db.SelectContext(ctx, &out, `SELECT u.id, u.name, u.role, u.sender_org, u.unit, u.lang, u.email, u.created_at, u.disabled_at,
			(SELECT count(*) FROM sessions se WHERE se.user_id = u.id AND se.expires_at > $1) AS sessions
		FROM users u ORDER BY u.name`, now); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserByID returns a user, enabled or not.
func (s *Store) UserByID(ctx context.Context, id int64) (*UserRow, error) {
	var u UserRow
	if err := s.db.GetContext(ctx, &u, `SELECT u.id, u.name, u.role, u.sender_org, u.unit, u.lang, u.email, u.created_at, u.disabled_at,
			0 AS sessions FROM users u WHERE u.id = $1`, id); err != nil {
		return nil, fmt.Errorf("look up user %d: %w", id, notFound(err))
	}
	return &u, nil
}

func checkAccess(role, org, unit string) error {
	if !validRole(role) {
		return fmt.Errorf("unknown role %q (known: admin, compliance, unit, operations)", role)
	}
	if role == "unit" && (org == "" || unit == "") {
		return fmt.Errorf("role unit needs a sender organisation and a unit")
	}
	return nil
}

// DescribeAccess is the access a user or token is given as its audit
// entry says it, made on the admin page or on the command line alike:
// role=unit org=964338531 unit=NAV email=kari@kommune.no.
func DescribeAccess(role, org, unit, email string) string {
	d := "role=" + role
	if org != "" {
		d += " org=" + org
	}
	if unit != "" {
		d += " unit=" + unit
	}
	if email != "" {
		d += " email=" + email
	}
	return d
}

// SetUserAccess changes a user's role and scope. It applies to the user's
// open sessions at once (sessions read the user on every request).
func (s *Store) SetUserAccess(ctx context.Context, id int64, role, org, unit string) error {
	return s.setUserAccess(ctx, id, role, org, unit, nil, nil)
}

// SetUserAccessAudited is SetUserAccess also setting the user's e-mail
// address, writing the audit entries es in the same transaction: the user
// is unchanged when one cannot be written.
func (s *Store) SetUserAccessAudited(ctx context.Context, id int64, role, org, unit, email string, es []AuditEntry) error {
	return s.setUserAccess(ctx, id, role, org, unit, &email, es)
}

// setUserAccess is SetUserAccess setting the e-mail address too when email
// is not nil, and writing es.
func (s *Store) setUserAccess(ctx context.Context, id int64, role, org, unit string, email *string, es []AuditEntry) error {
	unit = model.NormalizeName(unit) // as letters carry it: composed (CreateUser)
	if err := checkAccess(role, org, unit); err != nil {
		return fmt.Errorf("change user %d: %w", id, err)
	}
	if role != "unit" {
		unit = ""
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOneTx(ctx, tx, fmt.Sprintf("change user %d", id),
			`UPDATE users SET role = $2, sender_org = $3, unit = $4, email = COALESCE($5, email) WHERE id = $1`, id, role, org, unit, email); err != nil {
			return err
		}
		for _, e := range es {
			if err := writeAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetUserDisabled disables (ending every session of the user) or enables a
// user.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool, now time.Time) error {
	_, err := s.SetUserDisabledAudited(ctx, id, disabled, now, nil)
	return err
}

// SetUserDisabledAudited is SetUserDisabled writing the audit entry e (when
// not nil) in the same transaction: the user is unchanged when the entry
// cannot be written. It reports whether the user changed: a disabled user
// disabled again (an enabled one enabled) keeps the time it was disabled,
// which the retention purge of its e-mail address counts from, and no
// entry is written; a user there is not is ErrNotFound.
func (s *Store) SetUserDisabledAudited(ctx context.Context, id int64, disabled bool, now time.Time, e *AuditEntry) (bool, error) {
	what := fmt.Sprintf("enable user %d", id)
	var at any
	if disabled {
		what, at = fmt.Sprintf("disable user %d", id), now
	}
	var changed bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = $2 WHERE id = $1 AND (disabled_at IS NOT NULL) <> $3`, id, at, disabled)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		if changed = n > 0; !changed {
			var found bool
			if err := tx.GetContext(ctx, &found, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, id); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if !found {
				return fmt.Errorf("%s: %w", what, ErrNotFound)
			}
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end the sessions of user %d: %w", id, err)
			}
		}
		if changed && e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
	return changed, err
}

// SetUserPassword stores a new password hash and ends the user's sessions.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return s.SetUserPasswordAudited(ctx, id, hash, nil)
}

// SetUserPasswordAudited is SetUserPassword writing the audit entry e (when
// not nil) in the same transaction: the password is unchanged when the
// entry cannot be written.
func (s *Store) SetUserPasswordAudited(ctx context.Context, id int64, hash string, e *AuditEntry) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOneTx(ctx, tx, fmt.Sprintf("reset the password of user %d", id),
			`UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("end the sessions of user %d: %w", id, err)
		}
		if e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
}

// Languages a user may choose for the UI ("" is the browser's).
var Languages = []string{"nb", "da", "en"}

// SetUserLang sets a user's UI language ("" = the browser's).
func (s *Store) SetUserLang(ctx context.Context, id int64, lang string) error {
	return s.SetUserLangAudited(ctx, id, lang, nil)
}

// SetUserLangAudited is SetUserLang writing the audit entry e (when not
// nil) in the same transaction: the language is unchanged when the entry
// cannot be written.
func (s *Store) SetUserLangAudited(ctx context.Context, id int64, lang string, e *AuditEntry) error {
	if lang != "" && lang != "nb" && lang != "da" && lang != "en" {
		return fmt.Errorf("set language of user %d: unknown language %q", id, lang)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOneTx(ctx, tx, fmt.Sprintf("set language of user %d", id), `UPDATE users SET lang = $2 WHERE id = $1`, id, lang); err != nil {
			return err
		}
		if e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
}

// TokenRow is an API token as the administration page lists it.
type TokenRow struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Role       string     `db:"role"`
	SenderOrg  string     `db:"sender_org"`
	Unit       string     `db:"unit"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// Tokens lists the API tokens, active ones first, newest first.
func (s *Store) Tokens(ctx context.Context) ([]TokenRow, error) {
	out := []TokenRow{}
	if err := s.db.SelectContext(ctx, &out, `SELECT id, name, role, sender_org, unit, created_at, last_used_at, revoked_at
		FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return out, nil
}

// CreateTokenID is CreateToken returning the new token's id too.
func (s *Store) CreateTokenID(ctx context.Context, t Token) (int64, string, error) {
	return s.CreateTokenAudited(ctx, t, nil)
}

// RevokeToken revokes a token; requests with it are refused from now on.
// Revoking a revoked token is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	return s.RevokeTokenAudited(ctx, id, now, nil)
}

// RevokeTokenAudited is RevokeToken writing the audit entry e (when not
// nil) in the same transaction: the token stays active when the entry
// cannot be written.
func (s *Store) RevokeTokenAudited(ctx context.Context, id int64, now time.Time, e *AuditEntry) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOneTx(ctx, tx, fmt.Sprintf("revoke token %d", id),
			`UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now); err != nil {
			return err
		}
		if e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
}

// TokenByID returns a token, revoked or not.
func (s *Store) TokenByID(ctx context.Context, id int64) (*TokenRow, error) {
	var t TokenRow
	if err := s.db.GetContext(ctx, &t, `SELECT id, name, role, sender_org, unit, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("look up token %d: %w", id, notFound(err))
	}
	return &t, nil
}

// execOne runs a statement that must change exactly one row (else
// ErrNotFound).
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

func execOneTx(ctx context.Context, tx *sqlx.Tx, what, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
