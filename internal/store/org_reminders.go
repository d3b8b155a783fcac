package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// OrgReminder is one reminder message to a receiving organisation: when it
// went (or was tried), to which addresses, under which Message-ID, the
// Altinn Notifications order placed with it, and how many of the caller's
// letters it listed. It is the proof that the organisation was reminded.
type OrgReminder struct {
	ID        int64          `db:"id"`
	Status    string         `db:"status"`
	To        pq.StringArray `db:"recipients"`
	MessageID string         `db:"message_id"`
	OrderID   string         `db:"order_id"`
	Letters   int            `db:"letters"`
	CreatedAt time.Time      `db:"created_at"`
	SentAt    *time.Time     `db:"sent_at"`
}

// RecipientReminders lists the reminders that listed letters of scope to
// one receiving organisation (its recipient row id), newest first, at most
// limit. Letters counts only the scope's letters in each.
func (s *Store) RecipientReminders(ctx context.Context, rid int64, scope Scope, limit int) ([]OrgReminder, error) {
	args := []any{rid}
	where := "r.id = $1"
	if w := scope.where(&args); w != "" {
		where += " AND " + w
	}
	args = append(args, limit)
	out := []OrgReminder{}
	q := fmt.Sprintf(`SELECT n.id, n.status, n.recipients, n.message_id, n.order_id, count(*) AS letters, n.created_at, n.sent_at
		FROM recipients r
		JOIN notifications n ON n.orgnr = r.ident AND n.kind = 'reminder'
		JOIN notification_items i ON i.notification_id = n.id
		JOIN shipments s ON s.id = i.shipment_id AND s.recipient_id = r.id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE %s
		GROUP BY n.id ORDER BY n.id DESC LIMIT $%d`, where, len(args))
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list the reminders to recipient %d: %w", rid, err)
	}
	return out, nil
}
