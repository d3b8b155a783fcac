package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ReleasePrintBatch releases a held batch on behalf of by: every print in it
// goes to the outbox (event print_released), except those whose shipment was
// opened or closed meanwhile (print_skipped). It returns how many were queued.
func (s *Store) ReleasePrintBatch(ctx context.Context, id int64, by string, now time.Time) (int, error) {
	return s.decideBatch(ctx, id, by, now, true)
}

// RejectPrintBatch rejects a held batch on behalf of by: nothing in it is
// printed; every shipment gets stage print_rejected and a print_rejected
// event. It returns how many prints were rejected.
func (s *Store) RejectPrintBatch(ctx context.Context, id int64, by string, now time.Time) (int, error) {
	return s.decideBatch(ctx, id, by, now, false)
}

func (s *Store) decideBatch(ctx context.Context, id int64, by string, now time.Time, release bool) (int, error) {
	decision := map[bool]string{true: "released", false: "rejected"}[release]
	var n int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		n = 0
		var state string
		if err := tx.GetContext(ctx, &state, `SELECT state FROM print_batches WHERE id = $1 FOR UPDATE`, id); err != nil {
			return fmt.Errorf("print batch %d: %w", id, notFound(err))
		}
		if state != "held" {
			return fmt.Errorf("print batch %d is %s: %w", id, state, ErrBatchDecided)
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
			case release && !Printable(cur.ShipmentState, cur.Stage):
				err = skipPrint(ctx, tx, sid, cur, now)
			case release:
				n++
				err = queuePrint(ctx, tx, sid, now, Event{Kind: EventPrintReleased, Source: SourceUser, Actor: by, Message: msg})
			default:
				n++
				if err = setPrint(ctx, tx, sid, PrintStateRejected, now); err == nil {
					err = setStage(ctx, tx, sid, PrintStageRejected)
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
		return nil
	})
	return n, err
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
