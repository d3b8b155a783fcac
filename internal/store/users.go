package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"postvakt/internal/model"
)

// User is a person who logs in to the web UI. PasswordHash is a bcrypt hash
// made by package auth; the store never sees a password.
type User struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	PasswordHash string `db:"password_hash"`
	Role         string `db:"role"`
	SenderOrg    string `db:"sender_org"`
	Unit         string `db:"unit"`
	Lang         string `db:"lang"` // UI language; empty: the browser's
	// Email is where escalation notices to the user's role go (optional).
	Email string `db:"email"`
}

// CreateUser stores a new user and returns its id.
func (s *Store) CreateUser(ctx context.Context, u User) (int64, error) {
	return s.CreateUserAudited(ctx, u, nil)
}

// CreateUserAudited is CreateUser writing the audit entry e (when not nil)
// in the same transaction: a user is never made unaudited, nor audited
// unmade, and when the entry cannot be written nothing is stored, so the
// same command run again makes the user (and shows its password) rather
// than finding the name taken.
func (s *Store) CreateUserAudited(ctx context.Context, u User, e *AuditEntry) (int64, error) {
	if !validRole(u.Role) {
		return 0, fmt.Errorf("create user: unknown role %q (known: admin, compliance, unit, operations)", u.Role)
	}
	u.Unit = model.NormalizeName(u.Unit) // as letters carry it: composed
	if u.Role == "unit" && (u.SenderOrg == "" || u.Unit == "") {
		return 0, fmt.Errorf("create user: role unit needs a sender organisation and a unit")
	}
	// A name taken in any case is taken (ErrExists): the audit log and
	// the users page name a user by name ("user:kari"), and "Kari" beside
	// "kari" would be two people they cannot tell apart. The index
	// users_name_any_case (00058) refuses the name when another add of it
	// commits first, which the check in the insert cannot see.
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, `INSERT INTO users (name, password_hash, role, sender_org, unit, email)
			SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(name) = lower($1))
			RETURNING id`, u.Name, u.PasswordHash, u.Role, u.SenderOrg, u.Unit, u.Email)
		if errors.Is(err, sql.ErrNoRows) {
			err = ErrExists
		}
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.Name, exists(err))
		}
		if e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// SetUserEmail sets the e-mail address of a user (empty clears it).
func (s *Store) SetUserEmail(ctx context.Context, name, email string) error {
	return s.SetUserEmailAudited(ctx, name, email, nil)
}

// SetUserEmailAudited is SetUserEmail writing the audit entry e (when not
// nil) in the same transaction: the address is unchanged when the entry
// cannot be written.
func (s *Store) SetUserEmailAudited(ctx context.Context, name, email string, e *AuditEntry) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOneTx(ctx, tx, "set the e-mail of user "+name, `UPDATE users SET email = $2 WHERE name = $1`, name, email); err != nil {
			return err
		}
		if e != nil {
			return writeAudit(ctx, tx, *e)
		}
		return nil
	})
}

// UserByName returns an enabled user.
func (s *Store) UserByName(ctx context.Context, name string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT id, name, password_hash, role, sender_org, unit, lang, email
		FROM users WHERE name = $1 AND disabled_at IS NULL`, name)
	if err != nil {
		return nil, fmt.Errorf("look up user: %w", notFound(err))
	}
	return &u, nil
}

// Session is a logged-in user's session as looked up by its secret's hash.
type Session struct {
	User
	CSRF      string    `db:"csrf"`
	CreatedAt time.Time `db:"created_at"` // the login
	ExpiresAt time.Time `db:"expires_at"`
}

// UserNameTaken reports whether a user, enabled or not, has the name in
// any case (as CreateUser takes names).
func (s *Store) UserNameTaken(ctx context.Context, name string) (bool, error) {
	var taken bool
	if err := s.db.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(name) = lower($1))`, name); err != nil {
		return false, fmt.Errorf("look up user name: %w", err)
	}
	return taken, nil
}

// CreateSession stores a session under the hash of its secret, logged in
// at created (the caller's clock, which bounds its extensions).
func (s *Store) CreateSession(ctx context.Context, hash []byte, userID int64, csrf string, created, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, userID, csrf, created, expires)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns the unexpired session of an enabled user.
func (s *Store) SessionByHash(ctx context.Context, hash []byte, now time.Time) (*Session, error) {
	var se Session
	err := s.db.GetContext(ctx, &se, `SELECT u.id, u.name, u.password_hash, u.role, u.sender_org, u.unit, u.lang,
		se.csrf, se.created_at, se.expires_at
		FROM sessions se JOIN users u ON u.id = se.user_id
		WHERE se.hash = $1 AND se.expires_at > $2 AND u.disabled_at IS NULL`, hash, now)
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", notFound(err))
	}
	return &se, nil
}

// ExtendSession makes the unexpired session of an enabled user last until
// until, never shorter than it was, and returns when it ends now;
// ErrNotFound when there is no such session (ended, logged out, the user
// disabled). How long, and the most a login may last, is the caller's
// decision.
func (s *Store) ExtendSession(ctx context.Context, hash []byte, now, until time.Time) (time.Time, error) {
	var ends time.Time
	err := s.db.GetContext(ctx, &ends, `UPDATE sessions se SET expires_at = GREATEST(se.expires_at, $3)
		FROM users u WHERE u.id = se.user_id AND se.hash = $1 AND se.expires_at > $2 AND u.disabled_at IS NULL
		RETURNING se.expires_at`, hash, now, until)
	if err != nil {
		return time.Time{}, fmt.Errorf("extend session: %w", notFound(err))
	}
	return ends, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes sessions that expired before now and returns how
// many.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("purge expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// PurgeUserEmails clears the e-mail address of the users disabled before
// cutoff and returns how many: a disabled user gets no notice, and after
// the retention period their address serves nothing. The user row and its
// name stay, for the audit log that names them ("user:kari"); enabled
// again, the user has no address until one is set.
func (s *Store) PurgeUserEmails(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET email = '' WHERE disabled_at < $1 AND email <> ''`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("retention purge of disabled users' e-mail addresses: %w", err)
	}
	return res.RowsAffected()
}
