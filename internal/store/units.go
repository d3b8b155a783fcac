package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Unit is a sending unit with the addresses its follow-up and escalation
// mails go to: its own (the caseworkers' shared inbox) and its manager's.
type Unit struct {
	ID            int64  `db:"id"`
	SenderOrg     string `db:"sender_org"`
	SenderOrgName string `db:"sender_org_name"`
	Name          string `db:"name"`
	ContactEmail  string `db:"contact_email"`
	ManagerEmail  string `db:"manager_email"`
}

// Units lists the sending units in scope (a sender organisation, a unit),
// by organisation and name.
func (s *Store) Units(ctx context.Context, scope Scope) ([]Unit, error) {
	var c sqlConds
	addScope(&c, scope)
	out := []Unit{}
	if err := s.db.SelectContext(ctx, &out, `SELECT u.id, o.orgnr AS sender_org, o.name AS sender_org_name, u.name,
			u.contact_email, u.manager_email
		FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE `+c.String()+` ORDER BY o.orgnr, u.name`, c.args...); err != nil {
		return nil, fmt.Errorf("list sending units: %w", err)
	}
	return out, nil
}

// Classes lists the classes of the letters registered for the sending
// units in scope, sorted, each once.
func (s *Store) Classes(ctx context.Context, scope Scope) ([]string, error) {
	var c sqlConds
	addScope(&c, scope)
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT k.class COLLATE "C" AS class
		FROM unit_classes k JOIN sender_units u ON u.id = k.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE `+c.String()+` ORDER BY 1`, c.args...); err != nil {
		return nil, fmt.Errorf("list the classes of sending units' letters: %w", err)
	}
	return out, nil
}

// SaveUnits stores sending units and their addresses in one transaction:
// a unit (by organisation and name) that does not exist yet is created,
// an existing one gets the addresses given. Units not named keep theirs.
// It returns how many units were created.
func (s *Store) SaveUnits(ctx context.Context, us []Unit) (created int, err error) {
	return s.SaveUnitsAudited(ctx, us, nil)
}

// SaveUnitsAudited is SaveUnits with its audit entry, made from how many
// units were created, written in the same transaction: the units are
// saved only with it (a crash between the two left an unaudited change).
// A nil audit writes none.
func (s *Store) SaveUnitsAudited(ctx context.Context, us []Unit, audit func(created int) AuditEntry) (created int, err error) {
	orgs := make([]string, len(us))
	names := make([]string, len(us))
	contacts := make([]string, len(us))
	managers := make([]string, len(us))
	for i, u := range us {
		orgs[i], names[i], contacts[i], managers[i] = u.SenderOrg, u.Name, u.ContactEmail, u.ManagerEmail
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sender_orgs (orgnr) SELECT DISTINCT o FROM unnest($1::text[]) AS o
			ON CONFLICT (orgnr) DO NOTHING`, pq.Array(orgs)); err != nil {
			return fmt.Errorf("save sending units: organisations: %w", err)
		}
		var flags []bool
		if err := tx.SelectContext(ctx, &flags, `INSERT INTO sender_units (sender_org_id, name, contact_email, manager_email)
			SELECT o.id, c.n, c.c, c.m FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(o, n, c, m)
			JOIN sender_orgs o ON o.orgnr = c.o
			ON CONFLICT (sender_org_id, name) DO UPDATE SET contact_email = EXCLUDED.contact_email,
				manager_email = EXCLUDED.manager_email
			RETURNING (xmax = 0)`, pq.Array(orgs), pq.Array(names), pq.Array(contacts), pq.Array(managers)); err != nil {
			return fmt.Errorf("save sending units: %w", err)
		}
		for _, f := range flags {
			if f {
				created++
			}
		}
		if audit != nil {
			return writeAudit(ctx, tx, audit(created))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// SetUnitAddresses changes one unit's addresses (the admin UI), in scope.
func (s *Store) SetUnitAddresses(ctx context.Context, id int64, contact, manager string, scope Scope) (string, error) {
	return s.SetUnitAddressesAudited(ctx, id, contact, manager, scope, nil)
}

// SetUnitAddressesAudited is SetUnitAddresses writing the audit entry
// audit makes of the unit's organisation (when audit is not nil) in the
// same transaction: the addresses, where the unit's mails go, are
// unchanged when the entry cannot be written. It returns the unit's
// organisation.
func (s *Store) SetUnitAddressesAudited(ctx context.Context, id int64, contact, manager string, scope Scope, audit func(org string) AuditEntry) (string, error) {
	var org []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &org, `UPDATE sender_units u SET contact_email = $2, manager_email = $3
			FROM sender_orgs o WHERE o.id = u.sender_org_id AND u.id = $1
			  AND ($4 = '' OR o.orgnr = $4) AND ($5 = '' OR u.name = $5)
			RETURNING o.orgnr`, id, contact, manager, scope.SenderOrg, scope.SenderUnit); err != nil {
			return fmt.Errorf("set addresses of unit %d: %w", id, err)
		}
		if len(org) == 0 {
			return fmt.Errorf("set addresses of unit %d: %w", id, ErrNotFound)
		}
		if audit != nil {
			return writeAudit(ctx, tx, audit(org[0]))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return org[0], nil
}

// UserEmails returns the e-mail addresses of the enabled users with role
// who see senderOrg (scoped to it, or to every organisation), and for role
// unit only those of the given unit; sorted, without duplicates.
func (s *Store) UserEmails(ctx context.Context, role, senderOrg, unit string) ([]string, error) {
	out := []string{}
	err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT lower(email) FROM users
		WHERE role = $1 AND disabled_at IS NULL AND email <> ''
		  AND (sender_org = '' OR sender_org = $2) AND ($1 <> 'unit' OR unit = $3)
		ORDER BY 1`, role, senderOrg, unit)
	if err != nil {
		return nil, fmt.Errorf("look up the e-mail addresses of role %s: %w", role, err)
	}
	return out, nil
}

// Escalation cases: what escalation.to is told about.
const (
	CaseHeld     = "held"     // a print waits in a held batch for approval
	CaseManual   = "manual"   // manual handling (no postal address, print failed, ...)
	CaseFailed   = "failed"   // the channel could not deliver a confidential letter
	CaseRejected = "rejected" // a confidential letter was rejected on its way
)

// EscalationCase is one letter needing a person, with what its policy
// needs to find the people to tell.
type EscalationCase struct {
	Case          string      `db:"case_kind"`
	BatchID       int64       `db:"batch_id"` // CaseHeld: the batch
	Policy        string      `db:"policy"`   // CaseHeld: the batch's policy; else matched by the caller
	Reason        string      `db:"reason"`   // CaseManual: the reason code
	ShipmentID    string      `db:"id"`
	Channel       string      `db:"channel"`
	ChannelID     string      `db:"channel_id"`
	Class         string      `db:"class"`
	Confidential  bool        `db:"confidential"`
	State         model.State `db:"state"`
	RecipientKind string      `db:"recipient_kind"`
	RecipientID   string      `db:"recipient_ident"`
	SenderOrg     string      `db:"sender_org"`
	SenderUnit    string      `db:"sender_unit"`
	ManagerEmail  string      `db:"manager_email"`
	Since         time.Time   `db:"since"`
}

// EscalationCases lists the letters escalation.to is told about: prints
// held in a batch for approval (those the release would print: Releasable),
// open manual-handling cases, and confidential
// letters that failed or were rejected since the given time, unless their
// follow-up's decision ended the case (DecisionEnds: sent again, a new
// letter, closed), as that decision ends a held print's and a manual
// case's too.
func (s *Store) EscalationCases(ctx context.Context, failedSince time.Time) ([]EscalationCase, error) {
	const cols = `s.id, s.channel, s.channel_id, s.class, s.confidential, s.state, r.kind AS recipient_kind,
		r.ident AS recipient_ident, o.orgnr AS sender_org, u.name AS sender_unit, u.manager_email`
	const joins = `JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		JOIN recipients r ON r.id = s.recipient_id`
	var out []EscalationCase
	err := s.db.SelectContext(ctx, &out, `
		SELECT 'held' AS case_kind, b.id AS batch_id, b.policy, '' AS reason, b.created_at AS since, `+cols+`
		FROM print_orders po JOIN print_batches b ON b.id = po.batch_id AND b.state = 'held'
		JOIN shipments s ON s.id = po.shipment_id `+joins+`
		WHERE po.state = 'held' AND `+printableSQL+` -- one opened (ended, purged) since it was held: its release skips it
		UNION ALL
		SELECT 'manual', 0, '', m.reason, m.created_at, `+cols+`
		FROM print_manual m JOIN shipments s ON s.id = m.shipment_id `+joins+`
		WHERE m.resolved_at IS NULL AND s.purged_at IS NULL
		UNION ALL
		SELECT s.state, 0, '', '', s.state_changed_at, `+cols+`
		FROM shipments s `+joins+`
		WHERE s.confidential AND s.state IN ('failed', 'rejected') AND s.state_changed_at >= $1 AND s.purged_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.shipment_id = s.id AND f.decision IN (`+sqlDecisionsEnding+`))
		ORDER BY case_kind, batch_id, id`, failedSince)
	if err != nil {
		return nil, fmt.Errorf("list escalation cases: %w", err)
	}
	return out, nil
}
