package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/model"

	"github.com/jmoiron/sqlx"
)

// BatchDecision is what a held batch's release or rejection did with its
// prints, so whoever decided it is told of each of them.
type BatchDecision struct {
	// Decided: released (back to their address lookup, then the outbox)
	// or rejected.
	Decided int `db:"-"`
	// Skipped: not printed, their letter opened, or printed or closed by
	// its channel, since they were held (print_skipped: by the release,
	// or before it, at the opening or the unit's closing follow-up).
	Skipped int `db:"skipped"`
	// Prints: every print of the batch.
	Prints int `db:"prints"`
}

// AuditDetail is d as the audit log records a release or rejection, from
// the UI and the command line alike ("2 shipments, 1 skipped"; the audit
// page says it in its language): what was decided, not what was seen.
func (d BatchDecision) AuditDetail() string {
	s := fmt.Sprintf("%d shipments", d.Decided)
	if d.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", d.Skipped)
	}
	return s
}

// ReleasePrintBatch releases a held batch on behalf of by: every print in it
// goes to the outbox (event print_released), except those whose shipment was
// opened or closed meanwhile (print_skipped).
func (s *Store) ReleasePrintBatch(ctx context.Context, id int64, by string, now time.Time) (BatchDecision, error) {
	return s.decideBatch(ctx, id, by, now, true, nil)
}

// RejectPrintBatch rejects a held batch on behalf of by: nothing in it is
// printed; every shipment still held gets stage print_rejected and a
// print_rejected event.
func (s *Store) RejectPrintBatch(ctx context.Context, id int64, by string, now time.Time) (BatchDecision, error) {
	return s.decideBatch(ctx, id, by, now, false, nil)
}

// ErrBatchChanged is returned (wrapped) when a print batch is no longer what
// the deciding officer saw (prints were added or removed), or holds prints
// outside the officer's scope. Nothing was decided; the officer should look
// again.
var ErrBatchChanged = errors.New("print batch changed since it was shown")

// PrintBatchSeen is what an officer saw of a print batch when deciding it
// from the UI; a decision with it is made only when the batch is still
// exactly that, checked under the batch's lock.
type PrintBatchSeen struct {
	// Scope is the officer's: every print in the batch must be a shipment
	// of Scope.SenderOrg (and Scope.SenderUnit, if set). Empty: any.
	Scope Scope
	// Shipments is how many prints the batch held (PrintBatch.Shipments).
	Shipments int
	// Digest names the set of shipments in the batch (PrintBatch.Digest).
	Digest string
}

// ReleasePrintBatchSeen is ReleasePrintBatch for an officer who saw the
// batch as seen: when the batch holds other prints than seen, or any print
// outside seen.Scope, nothing is released and the error wraps
// ErrBatchChanged.
func (s *Store) ReleasePrintBatchSeen(ctx context.Context, id int64, seen PrintBatchSeen, by string, now time.Time) (BatchDecision, error) {
	return s.decideBatch(ctx, id, by, now, true, &seen)
}

// RejectPrintBatchSeen is RejectPrintBatch with the checks of
// ReleasePrintBatchSeen.
func (s *Store) RejectPrintBatchSeen(ctx context.Context, id int64, seen PrintBatchSeen, by string, now time.Time) (BatchDecision, error) {
	return s.decideBatch(ctx, id, by, now, false, &seen)
}

// batchDigestSQL names the set of shipments of the print orders po in a
// batch (aggregated); PrintBatches lists it and decideBatch checks it.
const batchDigestSQL = `encode(sha256(convert_to(COALESCE(string_agg(po.shipment_id::text, ',' ORDER BY po.shipment_id), ''), 'UTF8')), 'hex')`

// checkSeen compares a batch, locked by the caller, with what was seen.
func checkSeen(ctx context.Context, tx *sqlx.Tx, id int64, seen *PrintBatchSeen) error {
	var c sqlConds
	addScope(&c, seen.Scope)
	scopeIn := c.String() // "true" without a scope
	c.args = append(c.args, id)
	var got struct {
		N       int    `db:"n"`
		InScope int    `db:"in_scope"`
		Digest  string `db:"digest"`
	}
	q := fmt.Sprintf(`SELECT count(po.shipment_id) AS n, count(po.shipment_id) FILTER (WHERE %s) AS in_scope, %s AS digest
		FROM print_orders po
		JOIN shipments s ON s.id = po.shipment_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE po.batch_id = $%d`, scopeIn, batchDigestSQL, len(c.args))
	if err := tx.GetContext(ctx, &got, q, c.args...); err != nil {
		return fmt.Errorf("check print batch %d: %w", id, err)
	}
	switch {
	case got.InScope != got.N:
		return fmt.Errorf("print batch %d holds %d prints outside the caller's scope: %w", id, got.N-got.InScope, ErrBatchChanged)
	case got.N != seen.Shipments || got.Digest != seen.Digest:
		return fmt.Errorf("print batch %d holds %d prints, %d were shown: %w", id, got.N, seen.Shipments, ErrBatchChanged)
	}
	return nil
}

// decideBatch releases or rejects a held batch; with seen, only when the
// batch, locked, is still what seen says.
func (s *Store) decideBatch(ctx context.Context, id int64, by string, now time.Time, release bool, seen *PrintBatchSeen) (BatchDecision, error) {
	decision := map[bool]string{true: "released", false: "rejected"}[release]
	var d BatchDecision
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		d = BatchDecision{}
		var state string
		if err := tx.GetContext(ctx, &state, `SELECT state FROM print_batches WHERE id = $1 FOR UPDATE`, id); err != nil {
			return fmt.Errorf("print batch %d: %w", id, notFound(err))
		}
		if state != "held" {
			return fmt.Errorf("print batch %d is %s: %w", id, state, ErrBatchDecided)
		}
		if seen != nil {
			// The lock excludes prints joining the batch meanwhile (heldBatch
			// holds a share lock on it until its print commits), and this
			// statement sees every print committed before it.
			if err := checkSeen(ctx, tx, id, seen); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE print_batches SET state = $2, decided_by = $3, decided_at = $4 WHERE id = $1`,
			id, decision, by, now); err != nil {
			return fmt.Errorf("decide print batch %d: %w", id, err)
		}
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `SELECT shipment_id FROM print_orders WHERE batch_id = $1 AND state = 'held'
			ORDER BY shipment_id`, id); err != nil {
			return fmt.Errorf("read print batch %d: %w", id, err)
		}
		msg := fmt.Sprintf("print batch %d %s by %s", id, decision, by)
		for _, sid := range ids {
			cur, err := lockPrint(ctx, tx, sid)
			if err != nil {
				return err
			}
			switch {
			case cur.State != PrintStateHeld:
				continue // decided meanwhile (a closing follow-up skipped it): left as it is
			case release && !Releasable(cur.State, cur.ShipmentState, cur.Stage, cur.Purged):
				err = skipPrint(ctx, tx, sid, cur, now)
			case release:
				d.Decided++
				err = relookPrint(ctx, tx, sid, now, Event{Kind: EventPrintReleased, Source: SourceUser, Actor: by, Message: msg})
			default:
				d.Decided++
				if err = setPrint(ctx, tx, sid, PrintStateRejected, now); err == nil {
					err = setStage(ctx, tx, sid, model.StagePrintRejected)
				}
				if err == nil {
					err = appendEvent(ctx, tx, Event{ShipmentID: sid, Kind: EventPrintRejected, Source: SourceUser, Actor: by,
						ObservedAt: now, Message: msg})
				}
			}
			if err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, &d, `SELECT count(*) AS prints, count(*) FILTER (WHERE state = $2) AS skipped
			FROM print_orders WHERE batch_id = $1`, id, PrintStateSkipped); err != nil {
			return fmt.Errorf("count the prints of batch %d: %w", id, err)
		}
		return nil
	})
	return d, err
}

// PrintOrderRow is one print decision in PrintList.
type PrintOrderRow struct {
	ShipmentID string    `db:"shipment_id" json:"shipment_id"`
	OrderID    string    `db:"order_id" json:"order_id"`
	State      string    `db:"state" json:"state"`
	Policy     string    `db:"policy" json:"policy"`
	BatchID    *int64    `db:"batch_id" json:"batch_id,omitempty"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

// PrintManualRow is one shipment waiting in manual handling.
type PrintManualRow struct {
	ShipmentID string    `db:"shipment_id" json:"shipment_id"`
	Reason     string    `db:"reason" json:"reason"`
	Detail     string    `db:"detail" json:"detail"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// PrintBatchRow is one approval batch with the number of prints in it.
type PrintBatchRow struct {
	ID        int64      `db:"id" json:"id"`
	State     string     `db:"state" json:"state"`
	Count     int        `db:"count" json:"count"`
	Policy    string     `db:"policy" json:"policy"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	DecidedBy string     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt *time.Time `db:"decided_at" json:"decided_at,omitempty"`
}

// PrintList is the print fallback at a glance: every print decision except
// those in manual handling, the open manual-handling queue, and the batches.
type PrintList struct {
	Orders  []PrintOrderRow  `json:"orders"`
	Manual  []PrintManualRow `json:"manual"`
	Batches []PrintBatchRow  `json:"batches"`
}

// PrintList returns the print orders, the manual-handling queue and the
// approval batches, oldest first.
func (s *Store) PrintList(ctx context.Context) (*PrintList, error) {
	l := &PrintList{Orders: []PrintOrderRow{}, Manual: []PrintManualRow{}, Batches: []PrintBatchRow{}}
	if err := s.db.SelectContext(ctx, &l.Orders, `SELECT shipment_id, order_id, state, policy, batch_id, updated_at
		FROM print_orders WHERE state <> 'manual' ORDER BY created_at, shipment_id`); err != nil {
		return nil, fmt.Errorf("list print orders: %w", err)
	}
	if err := s.db.SelectContext(ctx, &l.Manual, `SELECT shipment_id, reason, detail, created_at
		FROM print_manual WHERE resolved_at IS NULL ORDER BY created_at, shipment_id`); err != nil {
		return nil, fmt.Errorf("list manual handling: %w", err)
	}
	if err := s.db.SelectContext(ctx, &l.Batches, `SELECT b.id, b.state, b.policy, b.created_at, b.decided_by, b.decided_at,
			(SELECT count(*) FROM print_orders p WHERE p.batch_id = b.id) AS count
		FROM print_batches b ORDER BY b.id`); err != nil {
		return nil, fmt.Errorf("list print batches: %w", err)
	}
	return l, nil
}

// PrintBatchShipments returns the ids of the shipments in a batch.
func (s *Store) PrintBatchShipments(ctx context.Context, id int64) ([]string, error) {
	ids := []string{}
	if err := s.db.SelectContext(ctx, &ids, `SELECT shipment_id FROM print_orders WHERE batch_id = $1 ORDER BY shipment_id`, id); err != nil {
		return nil, fmt.Errorf("read print batch %d: %w", id, err)
	}
	return ids, nil
}
