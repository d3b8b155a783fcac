package store

import (
	"context"
	"fmt"

	"postvakt/internal/model"
)

// ListOrgs returns the sending organisations (at most two, by number) a
// list filter's unit, class, recipient and channel id leave: those with a
// unit of f.UnitID or named f.Unit, which has letters of f.Class, to the
// recipient and the letter of f.ChannelID. An unscoped admin's view of a list so narrowed is audited as
// about that organisation when there is one, so that the unit's name, the
// class or the recipient in its entry is shown to that organisation's
// compliance officer alone, not to every organisation's. The unit and the
// class are read from sender_units and unit_classes, the recipient through
// its letters.
func (s *Store) ListOrgs(ctx context.Context, f ListFilter) ([]string, error) {
	var c sqlConds
	if f.SenderOrg != "" {
		c.add("o.orgnr = ?", f.SenderOrg)
	}
	if f.UnitID != 0 {
		c.add("u.id = ?", f.UnitID)
	}
	if f.Unit != "" {
		c.add("u.name = ?", f.Unit)
	}
	if f.Class != "" {
		c.add("EXISTS (SELECT 1 FROM unit_classes uc WHERE uc.sender_unit_id = u.id AND uc.class = ?)", f.Class)
	}
	if f.RecipientRow != 0 {
		c.add("EXISTS (SELECT 1 FROM shipments s WHERE s.recipient_id = ? AND s.sender_unit_id = u.id)", f.RecipientRow)
	}
	if f.Recipient != "" {
		c.add(`EXISTS (SELECT 1 FROM shipments s WHERE s.sender_unit_id = u.id
			AND s.recipient_id = (SELECT rr.id FROM recipients rr WHERE rr.kind = ? AND rr.ident = ?))`, recipientKey(f.Recipient), f.Recipient)
	}
	if f.ChannelID != "" {
		// The letter of that id on its channel (Channel, or any), as the
		// list selects it (ListFilter.ChannelID).
		in, args := "s.channel IN ("+sqlList(model.Channels())+")", []any{f.ChannelID}
		if f.Channel != "" {
			in, args = "s.channel = ?", []any{f.Channel, f.ChannelID}
		}
		c.add("EXISTS (SELECT 1 FROM shipments s WHERE s.sender_unit_id = u.id AND "+in+" AND s.channel_id = ?)", args...)
	}
	var out []string
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT o.orgnr FROM sender_orgs o JOIN sender_units u ON u.sender_org_id = o.id
		WHERE `+c.String()+` ORDER BY 1 LIMIT 2`, c.args...); err != nil {
		return nil, fmt.Errorf("read the organisations a list filter names: %w", err)
	}
	return out, nil
}
