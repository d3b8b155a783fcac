package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Contact sources (org_contacts.source). Any source other than
// ContactSourceProfile counts as imported, and imported addresses always win.
const (
	ContactSourceImport  = "import"
	ContactSourceProfile = "altinn-profile"
)

// Contact is one e-mail address of a receiving organisation.
type Contact struct {
	Org   string
	Email string
}

// ReplaceContacts stores imported addresses in one transaction: every
// organisation named in cs gets exactly the addresses given for it under
// source (older ones of that source are removed); organisations not named
// keep theirs. Looked-up addresses (ContactSourceProfile) are not touched:
// they are simply no longer used while imported ones exist. It returns how
// many organisations were written.
func (s *Store) ReplaceContacts(ctx context.Context, cs []Contact, source string) (int, error) {
	return s.ReplaceContactsAudited(ctx, cs, source, nil)
}

// ReplaceContactsAudited is ReplaceContacts with its audit entry, made
// from how many organisations the file names, written in the same
// transaction: the addresses change only with it (a crash between the two
// left an unaudited change). A nil audit writes none.
func (s *Store) ReplaceContactsAudited(ctx context.Context, cs []Contact, source string, audit func(orgs int) AuditEntry) (int, error) {
	if source == ContactSourceProfile {
		return 0, fmt.Errorf("replace contacts: source %q is for looked-up addresses (StoreLookedUpContacts)", source)
	}
	seen := map[string]bool{}
	var orgList []string
	owners := make([]string, len(cs))
	emails := make([]string, len(cs))
	for i, c := range cs {
		owners[i], emails[i] = c.Org, c.Email
		if !seen[c.Org] {
			seen[c.Org] = true
			orgList = append(orgList, c.Org)
		}
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_contacts WHERE orgnr = ANY($1) AND source <> $2`,
			pq.Array(orgList), ContactSourceProfile); err != nil {
			return fmt.Errorf("replace contacts: remove old addresses: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_contacts (orgnr, email, source)
			SELECT DISTINCT o, e, $3 FROM unnest($1::text[], $2::text[]) AS c(o, e)
			ON CONFLICT DO NOTHING`, pq.Array(owners), pq.Array(emails), source); err != nil {
			return fmt.Errorf("replace contacts: store addresses: %w", err)
		}
		if audit != nil {
			return writeAudit(ctx, tx, audit(len(orgList)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(orgList), nil
}

// ContactEmails returns an organisation's e-mail addresses, sorted: the
// imported ones when there are any, else the ones looked up in Altinn
// Profile (however old: a stale answer beats none when a refresh failed).
// None is not an error.
func (s *Store) ContactEmails(ctx context.Context, org string) ([]string, error) {
	var out []string
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT email FROM org_contacts c
		WHERE orgnr = $1 AND (source <> $2 OR NOT EXISTS (
			SELECT 1 FROM org_contacts i WHERE i.orgnr = c.orgnr AND i.source <> $2))
		ORDER BY email`, org, ContactSourceProfile); err != nil {
		return nil, fmt.Errorf("read contacts of %s: %w", org, err)
	}
	return out, nil
}

// ContactEmailsOf is ContactEmails for many organisations in one query:
// each organisation's addresses, sorted (none: absent from the map).
func (s *Store) ContactEmailsOf(ctx context.Context, orgs []string) (map[string][]string, error) {
	as, err := s.ReminderAddressesOf(ctx, orgs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(as))
	for o, a := range as {
		out[o] = a.Emails
	}
	return out, nil
}

// Addresses are an organisation's reminder addresses as ContactEmails
// picks them (imported ones win), and where they come from.
type Addresses struct {
	Emails []string
	// Profile: they are the ones looked up in Altinn Profile (none was
	// imported or added in the UI): the organisation's own notification
	// addresses, which Altinn Notifications sends an order to as well.
	Profile bool
}

// ReminderAddressesOf is ContactEmailsOf with the addresses' source: each
// organisation's addresses, sorted (none: absent from the map).
func (s *Store) ReminderAddressesOf(ctx context.Context, orgs []string) (map[string]Addresses, error) {
	var rows []struct {
		Org     string `db:"orgnr"`
		Email   string `db:"email"`
		Profile bool   `db:"profile"`
	}
	// Imported addresses exclude looked-up ones, so an organisation's rows
	// are all of one kind.
	if err := s.db.SelectContext(ctx, &rows, `SELECT DISTINCT orgnr, email, source = $2 AS profile FROM org_contacts c
		WHERE orgnr = ANY($1) AND (source <> $2 OR NOT EXISTS (
			SELECT 1 FROM org_contacts i WHERE i.orgnr = c.orgnr AND i.source <> $2))
		ORDER BY orgnr, email`, pq.Array(orgs), ContactSourceProfile); err != nil {
		return nil, fmt.Errorf("read contacts of %d organisations: %w", len(orgs), err)
	}
	out := make(map[string]Addresses, len(orgs))
	for _, r := range rows {
		a := out[r.Org]
		a.Emails, a.Profile = append(a.Emails, r.Email), r.Profile
		out[r.Org] = a
	}
	return out, nil
}

// OrgsNeedingLookup returns, sorted, those of orgs that have no imported
// address and whose last Altinn Profile answer is missing or older than ttl
// as of now.
func (s *Store) OrgsNeedingLookup(ctx context.Context, orgs []string, now time.Time, ttl time.Duration) ([]string, error) {
	var out []string
	if len(orgs) == 0 {
		return nil, nil
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT o FROM unnest($1::text[]) AS o
		WHERE NOT EXISTS (SELECT 1 FROM org_contacts c WHERE c.orgnr = o AND c.source <> $2)
		  AND NOT EXISTS (SELECT 1 FROM contact_lookups l WHERE l.orgnr = o AND l.fetched_at > $3)
		ORDER BY o`, pq.Array(orgs), ContactSourceProfile, now.Add(-ttl)); err != nil {
		return nil, fmt.Errorf("find organisations to look up: %w", err)
	}
	return out, nil
}

// StoreLookedUpContacts caches one Altinn Profile answer as of now, in one
// transaction: every organisation in asked gets exactly the addresses found
// for it (none when absent from found), and the time it was asked.
func (s *Store) StoreLookedUpContacts(ctx context.Context, asked []string, found map[string][]string, now time.Time) error {
	if len(asked) == 0 {
		return nil
	}
	var owners, emails []string
	counts := make([]int64, len(asked))
	for i, org := range asked {
		es := append([]string(nil), found[org]...)
		sort.Strings(es)
		counts[i] = int64(len(es))
		for _, e := range es {
			owners, emails = append(owners, org), append(emails, e)
		}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_contacts WHERE orgnr = ANY($1) AND source = $2`,
			pq.Array(asked), ContactSourceProfile); err != nil {
			return fmt.Errorf("store looked-up contacts: remove old addresses: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_contacts (orgnr, email, source, created_at, fetched_at)
			SELECT DISTINCT o, e, $3, $4::timestamptz, $4::timestamptz FROM unnest($1::text[], $2::text[]) AS c(o, e)
			ON CONFLICT DO NOTHING`, pq.Array(owners), pq.Array(emails), ContactSourceProfile, now); err != nil {
			return fmt.Errorf("store looked-up contacts: store addresses: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_lookups (orgnr, source, addresses, fetched_at)
			SELECT o, $3, n, $4 FROM unnest($1::text[], $2::int[]) AS c(o, n)
			ON CONFLICT (orgnr) DO UPDATE SET addresses = EXCLUDED.addresses, fetched_at = EXCLUDED.fetched_at`,
			pq.Array(asked), pq.Array(counts), ContactSourceProfile, now); err != nil {
			return fmt.Errorf("store looked-up contacts: record the lookup: %w", err)
		}
		return nil
	})
}
