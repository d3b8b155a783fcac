package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Roles a token or user may have.
var Roles = []string{"admin", "compliance", "unit", "operations"}

// Token is an API token's identity; the secret itself is never stored.
type Token struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	Role      string `db:"role"`
	SenderOrg string `db:"sender_org"`
	Unit      string `db:"unit"`
}

// ErrTokenNameInUse is returned by CreateToken when an active token of the
// same sender organisation has the name already, in any case (a revoked token's name may
// be used again; another organisation's names are its own): the audit log
// and the lists show tokens by name and organisation.
var ErrTokenNameInUse = errors.New("an active API token has this name already")

// tokenPrefix marks postvakt tokens, so a leaked one is recognisable.
const tokenPrefix = "pvt_"

// CreateToken stores a new token and returns its secret, which is shown
// once and only its hash kept.
func (s *Store) CreateToken(ctx context.Context, t Token) (string, error) {
	_, secret, err := s.CreateTokenAudited(ctx, t, nil)
	return secret, err
}

// CreateTokenAudited is CreateToken returning the new token's id too and
// writing the audit entry audit makes of that id (when audit is not nil)
// in the same transaction: when the entry cannot be written nothing is
// stored, so the same command or form again makes the token (and shows
// its secret) rather than finding the name in use by a token nobody has.
func (s *Store) CreateTokenAudited(ctx context.Context, t Token, audit func(id int64) AuditEntry) (int64, string, error) {
	if !validRole(t.Role) {
		return 0, "", fmt.Errorf("create token: unknown role %q (known: admin, compliance, unit, operations)", t.Role)
	}
	t.Unit = model.NormalizeName(t.Unit) // as letters carry it: composed
	if t.Role == "unit" && (t.SenderOrg == "" || t.Unit == "") {
		return 0, "", fmt.Errorf("create token: role unit needs a sender organisation and a unit")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return 0, "", fmt.Errorf("create token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, `INSERT INTO api_tokens (name, role, sender_org, unit, hash) VALUES ($1, $2, $3, $4, $5)
			RETURNING id`, t.Name, t.Role, t.SenderOrg, t.Unit, sum[:])
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "api_tokens_active_name" {
			return fmt.Errorf("create token %q: %w; revoke it or choose another name", t.Name, ErrTokenNameInUse)
		}
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		if audit != nil {
			return writeAudit(ctx, tx, audit(id))
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	return id, secret, nil
}

// TokenBySecret looks a presented token up by its hash.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (*Token, error) {
	sum := sha256.Sum256([]byte(secret))
	var t Token
	// The last use is written at most once a minute per token, in the same
	// round trip.
	err := s.db.GetContext(ctx, &t, `WITH t AS (
			SELECT id, name, role, sender_org, unit, last_used_at FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL),
		used AS (
			UPDATE api_tokens a SET last_used_at = now() FROM t
			WHERE a.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'))
		SELECT id, name, role, sender_org, unit FROM t`, sum[:])
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "25006" {
		// A read-only database (a standby after a failover): the token is
		// still looked up, its last use not written, so reads and the
		// metrics scrape go on.
		err = s.db.GetContext(ctx, &t, `SELECT id, name, role, sender_org, unit FROM api_tokens
			WHERE hash = $1 AND revoked_at IS NULL`, sum[:])
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", notFound(err))
	}
	return &t, nil
}

func validRole(r string) bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}
