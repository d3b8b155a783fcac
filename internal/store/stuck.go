package store

import (
	"context"
	"fmt"
)

// StuckCounts is what waits on a person, counted without naming anyone:
// the operations page's numbers (operations may see no recipient, letter
// or unit, but needs to know that something is stuck, which is often a
// configuration or a channel-side problem). Each counts what the page
// that lists it lists in the same scope.
type StuckCounts struct {
	// RefusedOrders: Altinn Notifications orders Altinn refused for good
	// (refusedWhere; /refused, postvakt notifications list).
	RefusedOrders int `db:"refused_orders"`
	// Manual: letters in the print fallback's manual handling, unresolved
	// (ManualQueue; /manual); PrintLost of them because their placed print
	// order was lost at the provider (ReasonPrintLost).
	Manual    int `db:"manual"`
	PrintLost int `db:"print_lost"`
	// RemindersUnknown: reminders whose outcome cannot be known, never sent
	// again by postvakt itself until an officer settles them
	// (NotificationsToSettle's status unknown; /reminders).
	RemindersUnknown int `db:"reminders_unknown"`
	// NoticesUnknown: notices to people of the sending organisation
	// (follow-ups, escalations, the digest) whose outcome cannot be known,
	// settled as reminders are (postvakt notifications confirm|release);
	// in a scope, those telling of a letter in it.
	NoticesUnknown int `db:"notices_unknown"`
	// NoAddressOrgs: organisations whose reminder waits because no address
	// to send it to is known (status no_address, NotifyNoAddress; /reminders
	// lists each with the address form), and NoAddressLetters the letters
	// those reminders list.
	NoAddressOrgs    int `db:"no_address_orgs"`
	NoAddressLetters int `db:"no_address_letters"`
}

// StuckCounts counts what is stuck in scope (the empty scope: every
// organisation's). Each count is read by a partial index over few rows
// (notifications_refused, print_manual_open, notifications_open for the
// unknown and the no_address reminders); a scope narrows them through
// their letters.
func (s *Store) StuckCounts(ctx context.Context, scope Scope) (StuckCounts, error) {
	var refused sqlConds
	refusedWhere(&refused, scope)
	// The letters' scope, for the manual items' and the reminders' letters
	// (s, u, o as addScope names them); numbered after refused's.
	in := sqlConds{args: refused.args}
	addScope(&in, scope)
	noAddress := noAddressItems(in.String())
	q := `SELECT
			(SELECT count(*) FROM notifications n WHERE ` + refused.String() + `) AS refused_orders,
			count(*) AS manual,
			count(*) FILTER (WHERE m.reason = '` + ReasonPrintLost + `') AS print_lost,
			` + unknownReminders(in.String()) + ` AS reminders_unknown,
			` + unknownNotices(scope, in.String()) + ` AS notices_unknown,
			(SELECT count(DISTINCT n.orgnr) ` + noAddress + `) AS no_address_orgs,
			(SELECT count(DISTINCT i.shipment_id) ` + noAddress + `) AS no_address_letters
		FROM print_manual m`
	if scope != (Scope{}) {
		q += ` JOIN shipments s ON s.id = m.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
			JOIN sender_orgs o ON o.id = u.sender_org_id`
	}
	q += ` WHERE m.resolved_at IS NULL`
	if scope != (Scope{}) {
		q += ` AND ` + in.String()
	}
	var out StuckCounts
	if err := s.db.GetContext(ctx, &out, q, in.args...); err != nil {
		return StuckCounts{}, fmt.Errorf("count what is stuck: %w", err)
	}
	return out, nil
}

// unknownNotices counts the notices (every kind but the reminder) whose
// outcome is unknown: all of them unscoped (a held batch's notice tells of
// no letter), in a scope those telling of a letter in it (in as for
// noAddressItems).
func unknownNotices(scope Scope, in string) string {
	q := `(SELECT count(*) FROM notifications n WHERE n.status = '` + string(NotifyUnknown) + `' AND n.kind <> '` + KindReminder + `'`
	if scope != (Scope{}) {
		q += ` AND EXISTS (SELECT 1 FROM notification_notices i
				JOIN shipments s ON s.id = i.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
				JOIN sender_orgs o ON o.id = u.sender_org_id
				WHERE i.notification_id = n.id AND i.active AND ` + in + `)`
	}
	return q + `)`
}

// noAddressItems is the FROM and WHERE of the active items of the
// reminders that wait for an address (status no_address) whose letters
// are in scope and may still be reminded of (sqlRemindable: a reminder
// whose letters were all opened, handed to print or closed since waits
// for nothing, and no run sends it): in is a condition on their shipments
// s, sender_units u and sender_orgs o (addScope's). The one definition of the organisations
// without address, counted DISTINCT n.orgnr by the overview's card
// (Activity.NoAddress) and the operations page (StuckCounts.NoAddressOrgs,
// and NoAddressLetters by DISTINCT i.shipment_id).
func noAddressItems(in string) string {
	return `FROM notifications n JOIN notification_items i ON i.notification_id = n.id AND i.active
			JOIN shipments s ON s.id = i.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
			JOIN sender_orgs o ON o.id = u.sender_org_id
			WHERE n.status = '` + string(NotifyNoAddress) + `' AND ` + sqlRemindable + ` AND ` + in
}

// unknownReminders counts the reminders whose outcome is unknown (status
// unknown) with an active letter in scope (in as for noAddressItems): the
// one definition of the overview's card (Activity.UnknownReminders) and
// the operations page's (StuckCounts.RemindersUnknown).
func unknownReminders(in string) string {
	return `(SELECT count(*) FROM notifications n WHERE n.status = '` + string(NotifyUnknown) + `' AND EXISTS (SELECT 1 FROM notification_items i
				JOIN shipments s ON s.id = i.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
				JOIN sender_orgs o ON o.id = u.sender_org_id
				WHERE i.notification_id = n.id AND i.active AND ` + in + `))`
}
