package store

import (
	"context"
	"fmt"
)

// RecipientInScope returns the row id (recipients.id) of the recipient with
// this identifier (organisation number or person id) if a shipment in scope
// went to it, else ErrNotFound: a search turns the identifier into the row
// id, so that no person id travels in a URL, without telling a scoped
// caller whether anybody else wrote to the recipient.
func (s *Store) RecipientInScope(ctx context.Context, ident string, scope Scope) (int64, error) {
	var c sqlConds
	c.add("r.kind = ?", recipientKey(ident))
	c.add("r.ident = ?", ident)
	var id int64
	if err := s.db.GetContext(ctx, &id, recipientInScope("r.id", &c, scope), c.args...); err != nil {
		return 0, fmt.Errorf("find recipient: %w", notFound(err))
	}
	return id, nil
}

// RecipientByRow returns the recipient with row id rid (a list's rid) and
// its name if a shipment in scope went to it, else ErrNotFound, as
// RecipientInScope: a list drilled into a recipient is named even when its
// filter leaves no letters, and a row id guessed outside the scope names
// nobody. The id is as stored: show it masked (model.MaskRecipient).
func (s *Store) RecipientByRow(ctx context.Context, rid int64, scope Scope) (Recipient, string, error) {
	var c sqlConds
	c.add("r.id = ?", rid)
	var row struct {
		Kind  string `db:"kind"`
		Ident string `db:"ident"`
		Name  string `db:"name"`
	}
	if err := s.db.GetContext(ctx, &row, recipientInScope("r.kind, r.ident, r.name", &c, scope), c.args...); err != nil {
		return Recipient{}, "", fmt.Errorf("read recipient: %w", notFound(err))
	}
	return Recipient{Kind: row.Kind, ID: row.Ident}, row.Name, nil
}

// recipientInScope is the query of columns of the recipients c selects to
// which a shipment in scope went.
func recipientInScope(columns string, c *sqlConds, scope Scope) string {
	sub := "true"
	if scope.SenderOrg != "" || scope.SenderUnit != "" {
		var sc sqlConds
		sc.args = c.args
		addScope(&sc, scope)
		c.args, sub = sc.args, sc.String()
	}
	return fmt.Sprintf(`SELECT %s FROM recipients r WHERE %s AND EXISTS (
		SELECT 1 FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE s.recipient_id = r.id AND %s)`, columns, c.String(), sub)
}
