package chaos

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// checkRecorded: every order the simulator took is recorded under its id,
// a print order on its letter's print decision, a Notifications order on
// its reminder. One that is not is a loss: the provider prints (Altinn
// notifies) while postvakt's record says nothing went out, and postvakt can
// neither follow nor cancel it. A kill between the provider taking an
// order and postvakt recording its answer is where one would come from.
func checkRecorded(ctx context.Context, r *Report, db *sqlx.DB, sm *simulator) error {
	var prints []struct {
		Ref     string `db:"ref"`
		OrderID string `db:"order_id"`
	}
	if err := db.SelectContext(ctx, &prints, `SELECT request->>'documentRef' AS ref, order_id
		FROM print_orders WHERE request IS NOT NULL`); err != nil {
		return fmt.Errorf("read print orders: %w", err)
	}
	printed := map[string]string{}
	for _, p := range prints {
		printed[p.Ref] = p.OrderID
	}
	for _, o := range sm.PrintOrders() {
		if got := printed[o.DocumentRef]; got != o.ID {
			r.UnrecordedOrders++
			r.problem("print order %s for letter %s, which the database records as %q", o.ID, o.DocumentRef, got)
		}
	}
	var notes []struct {
		Key     string `db:"key"`
		OrderID string `db:"order_id"`
	}
	if err := db.SelectContext(ctx, &notes, `SELECT key, order_id FROM notifications`); err != nil {
		return fmt.Errorf("read reminders' orders: %w", err)
	}
	ordered := map[string]string{}
	for _, n := range notes {
		ordered[n.Key] = n.OrderID
	}
	for _, o := range sm.NotificationOrders() {
		key := strings.TrimPrefix(o.IdempotencyID, "postvakt-reminder-")
		if got := ordered[key]; got != o.ID {
			r.UnrecordedOrders++
			r.problem("Notifications order %s (%s), which the database records as %q", o.ID, o.IdempotencyID, got)
		}
	}
	return nil
}
