package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// The print fallback's SQL: one print decision per shipment
// (print_orders), the transactional outbox, approval batches and the
// manual-handling queue; the business register cache is in
// register_cache.go. migrations/00004_print.sql documents the states;
// internal/printing drives them.

// Print order states (print_orders.state).
const (
	PrintStateLookup    = "lookup"
	PrintStateManual    = "manual"
	PrintStateHeld      = "held"
	PrintStateRejected  = "rejected"
	PrintStateSkipped   = "skipped"
	PrintStateQueued    = "queued"
	PrintStateReceived  = "received"
	PrintStatePrinted   = "printed"
	PrintStatePosted    = "posted"
	PrintStateFailed    = "failed"
	PrintStateCancelled = "cancelled"
)

// Event kinds of the print fallback.
const (
	EventPrintDecided       = "print_decided"        // address found, order in the outbox
	EventPrintHeld          = "print_held"           // waiting in an approval batch
	EventPrintReleased      = "print_released"       // batch released: order in the outbox
	EventPrintRejected      = "print_rejected"       // batch rejected: no print
	EventPrintManual        = "print_manual"         // to manual handling, with the reason
	EventPrintSkipped       = "print_skipped"        // opened or closed before anything was sent
	EventPrintOrdered       = "print_ordered"        // the provider accepted the order
	EventPrintStatus        = "print_status"         // the provider's order state changed
	EventPrintError         = "print_error"          // a register or provider call failed; retried
	EventPrintCancelled     = "print_cancelled"      // opened after the order: order cancelled
	EventPrintCancelRefused = "print_cancel_refused" // opened after the order: too late to cancel
)

// Event sources of the print fallback.
const (
	SourcePrint    = "print"
	SourceRegister = "register"
)

// ErrBatchDecided is returned (wrapped) when a print batch that was already
// released or rejected is decided again.
var ErrBatchDecided = errors.New("print batch already decided")

// printableSQL is Printable in SQL, for a shipments row named s.
var printableSQL = printableStateSQL + ` AND s.purged_at IS NULL`

// printableStateSQL is Printable's state and stage in SQL, for a shipments
// row named s, whatever the purge did: the purged letters due for print
// that go to manual handling (CreatePrintOrders) are found by it.
var printableStateSQL = `s.state NOT IN ('opened', 'rejected') AND s.stage NOT IN (` + sqlEnded + `)`

// ReasonPrintLost is the manual-handling reason of a letter whose placed
// print order the provider has kept answering it does not know (404) for
// printing.OrderLostAfter (ApplyPrintStatus, PrintStatusUpdate.Lost): it
// may never be printed, and no second order is placed automatically.
const ReasonPrintLost = "print_lost"

// ReasonPrintKeyUsed is the manual-handling reason of a letter whose
// print order the provider answered 409 for, an order under its
// idempotency key, without naming it (SendKeyUsed): never sent again.
const ReasonPrintKeyUsed = "print_key_used"

// ReasonPurged is the manual-handling reason of a letter that was due for
// print when its personal data had been purged (CreatePrintOrders).
const ReasonPurged = "purged"

// Printable reports whether a shipment in this state and stage, its
// personal data purged or not, may still get a print order, or one made
// still be wanted: not opened or rejected, not printed or closed by its
// channel, and not purged (a purged letter has no title and no recipient
// left: there is nothing to print, and nobody to name in a
// manual-handling case). printableSQL is the same in SQL. The retention
// purge keeps a letter whose order is not placed yet, so only a placed
// order meets a purged letter: its status poll (applyPrintState).
func Printable(state model.State, stage model.Stage, purged bool) bool {
	return state != model.StateOpened && state != model.StateRejected && !stage.Ended() && !purged
}

// Releasable is the release's rule for one print of a held batch
// (ReleasePrintBatch): it goes to print only while it is still held and
// its letter may still be printed (Printable); one opened, rejected or
// ended meanwhile is skipped (print_skipped), one no longer held is left
// as it is. The batch page counts and marks its letters by it
// (BatchLetter.WillPrint).
func Releasable(printState string, state model.State, stage model.Stage, purged bool) bool {
	return printState == PrintStateHeld && Printable(state, stage, purged)
}

// CreatePrintOrders records the decision to print for those of the
// shipments that may still be printed (printableSQL) and have no print
// decision yet, in state lookup, due at now. It returns the ids it
// recorded; the others are left alone, so calling it again never makes a
// second order. A letter due for print (stage print_due) whose personal
// data was purged goes to manual handling instead (ReasonPurged), in the
// same transaction: like any print-due letter the fallback cannot print,
// it is not left in print_due, where it would look like a lost hand-off.
func (s *Store) CreatePrintOrders(ctx context.Context, ids []string, policy string, requiresApproval bool, now time.Time) ([]string, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if looksLikeUUID(id) {
			valid = append(valid, id)
		}
	}
	var created []string
	// The letters are held (FOR KEY SHARE, as the orders' foreign keys
	// will) and looked at again if a purge changed them meanwhile: the
	// purge (FOR UPDATE) then either sees the new order, and keeps the
	// letter, or has purged it first, and it gets none.
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		created = []string{}
		if err := tx.SelectContext(ctx, &created, `INSERT INTO print_orders
				(shipment_id, policy, requires_approval, idempotency_key, state, due_at, created_at, updated_at)
			SELECT s.id, $2, $3, 'postvakt-print-' || s.id, 'lookup', $4, $4, $4
			FROM shipments s WHERE s.id = ANY($1::uuid[]) AND `+printableSQL+`
			ORDER BY s.id FOR KEY SHARE OF s
			ON CONFLICT (shipment_id) DO NOTHING
			RETURNING shipment_id`, pq.Array(valid), policy, requiresApproval, now); err != nil {
			return fmt.Errorf("record print decisions (policy %s): %w", policy, err)
		}
		var purged []string
		if err := tx.SelectContext(ctx, &purged, `SELECT s.id FROM shipments s
			WHERE s.id = ANY($1::uuid[]) AND s.purged_at IS NOT NULL AND s.stage = `+sqlStage(model.StagePrintDue)+`
			  AND `+printableStateSQL+` AND NOT EXISTS (SELECT 1 FROM print_orders p WHERE p.shipment_id = s.id)
			ORDER BY s.id FOR UPDATE OF s`, pq.Array(valid)); err != nil {
			return fmt.Errorf("find purged letters due for print (policy %s): %w", policy, err)
		}
		for _, id := range purged {
			if err := toManual(ctx, tx, id, ReasonPurged, manualWhy{"the letter's personal data was deleted under its retention rules: there is nothing left to print; resolve it as not needed",
				[]i18n.Phrase{i18n.P("manual.detail.purged")}}, now, SourcePolicy, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// PrintDueShipment is a shipment in stage print_due that has no print
// decision: its hand-off from the escalation run was lost. It carries what
// matching its policy needs.
type PrintDueShipment struct {
	ID            string `db:"id"`
	Channel       string `db:"channel"`
	Class         string `db:"class"`
	Confidential  bool   `db:"confidential"`
	RecipientKind string `db:"recipient_kind"`
	SenderOrg     string `db:"sender_org"`
	SenderUnit    string `db:"sender_unit"`
	CatchUp       bool   `db:"catch_up"` // under the policy's catch_up rule (catch_up_at set)
}

// PrintDueWithoutOrder returns up to limit printable shipments in stage
// print_due that have no print decision, in id order after the id after
// ("" from the start), so a caller that leaves some can page past them.
// Purged ones too: CreatePrintOrders sends those to manual handling.
func (s *Store) PrintDueWithoutOrder(ctx context.Context, after string, limit int) ([]PrintDueShipment, error) {
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	var out []PrintDueShipment
	err := s.db.SelectContext(ctx, &out, `SELECT s.id, s.channel, s.class, s.confidential, r.kind AS recipient_kind,
			o.orgnr AS sender_org, u.name AS sender_unit, s.catch_up_at IS NOT NULL AS catch_up
		FROM shipments s JOIN recipients r ON r.id = s.recipient_id
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE s.stage = `+sqlStage(model.StagePrintDue)+` AND `+printableStateSQL+`
		  AND NOT EXISTS (SELECT 1 FROM print_orders p WHERE p.shipment_id = s.id) AND s.id > $2::uuid
		ORDER BY s.id LIMIT $1`, limit, after)
	if err != nil {
		return nil, fmt.Errorf("find print-due shipments without an order: %w", err)
	}
	return out, nil
}

// PrintLookup is a print decision claimed for its address lookup.
type PrintLookup struct {
	ShipmentID       string `db:"shipment_id"`
	Channel          string `db:"channel"`
	ChannelID        string `db:"channel_id"`
	RecipientKind    string `db:"recipient_kind"`
	RecipientID      string `db:"recipient_ident"`
	Policy           string `db:"policy"`
	RequiresApproval bool   `db:"requires_approval"`
	Attempts         int    `db:"attempts"` // lookups tried, this one included
}

// ClaimPrintLookups claims up to limit print decisions waiting for their
// address lookup and due at now (only those in ids, when ids is not nil),
// moving them out of reach for lease.
func (s *Store) ClaimPrintLookups(ctx context.Context, ids []string, now time.Time, limit int, lease time.Duration) ([]PrintLookup, error) {
	var filter any
	if ids != nil {
		filter = pq.Array(ids)
	}
	var out []PrintLookup
	err := s.db.SelectContext(ctx, &out, `UPDATE print_orders p SET due_at = $2, attempts = p.attempts + 1, updated_at = $1
		FROM (SELECT shipment_id FROM print_orders
		      WHERE state = 'lookup' AND due_at <= $1 AND ($4::uuid[] IS NULL OR shipment_id = ANY($4::uuid[]))
		      ORDER BY due_at, shipment_id LIMIT $3
		      FOR UPDATE SKIP LOCKED) d, shipments s, recipients r
		WHERE p.shipment_id = d.shipment_id AND s.id = p.shipment_id AND r.id = s.recipient_id
		RETURNING p.shipment_id, s.channel, s.channel_id, r.kind AS recipient_kind, r.ident AS recipient_ident,
			p.policy, p.requires_approval, p.attempts`, now, now.Add(lease), limit, filter)
	if err != nil {
		return nil, fmt.Errorf("claim print lookups: %w", err)
	}
	return out, nil
}

// Outcomes of an address lookup, for PrintResolution.Outcome.
const (
	ResolveOrder  = "order"  // an address: to the outbox, or held when the policy requires approval
	ResolveManual = "manual" // no usable address: manual handling
	ResolveRetry  = "retry"  // the register could not be asked: try again at RetryAt
)

// PrintResolution is what an address lookup came to for one shipment.
type PrintResolution struct {
	ShipmentID string
	Outcome    string
	At         time.Time
	Request    []byte        // ResolveOrder: the order body (JSON)
	Reason     string        // ResolveManual: reason code
	Detail     string        // ResolveManual: readable reason (English); ResolveRetry: the error
	Why        []i18n.Phrase // ResolveManual: the detail for people in their language (printing.Detail)
	Evidence   []byte        // the register's answer (JSON), kept in the event
	RetryAt    time.Time     // ResolveRetry
	// Source is who decided a ResolveManual, the event's source:
	// SourceRegister (when empty) for the register's answer, SourcePolicy
	// for a case no register was asked about (a person, a CVR number, a
	// print by Digital Post's physical post).
	Source string
}

// ResolvePrint applies an address lookup in one transaction: the order goes
// to the outbox (stage print_ordered, event print_decided), to the policy's
// held batch (print_held), to manual handling (manual), or is skipped when
// the shipment was opened or closed meanwhile. It returns the print order's
// new state, or "" when it no longer waited for a lookup.
func (s *Store) ResolvePrint(ctx context.Context, r PrintResolution) (string, error) {
	// As FinishPrintSend: the register's words in an error (a number it
	// answered with, a NUL in it) must not fail this letter's write, and
	// with it the lookup of every letter after it.
	r.Detail = CleanText(r.Detail)
	var result string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		result = ""
		cur, err := lockPrint(ctx, tx, r.ShipmentID)
		if err != nil || cur.State != PrintStateLookup {
			return err
		}
		id, at := r.ShipmentID, r.At
		switch {
		case r.Outcome == ResolveRetry:
			result = PrintStateLookup
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET due_at = $2, last_error = $3, updated_at = $4,
				lookup_failing_since = COALESCE(lookup_failing_since, $4) WHERE shipment_id = $1`, id, r.RetryAt, r.Detail, at); err != nil {
				return fmt.Errorf("reschedule address lookup of %s: %w", id, err)
			}
			return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintError, Source: SourceRegister, ObservedAt: at,
				Message: "address lookup failed, retried later: " + r.Detail, Payload: evidenceJSON(r.Evidence)})
		case !Printable(cur.ShipmentState, cur.Stage, cur.Purged):
			result = PrintStateSkipped
			return skipPrint(ctx, tx, id, cur, at)
		case r.Outcome == ResolveManual:
			result = PrintStateManual
			if err := setPrint(ctx, tx, id, PrintStateManual, at); err != nil {
				return err
			}
			source := r.Source
			if source == "" {
				source = SourceRegister
			}
			return toManual(ctx, tx, id, r.Reason, manualWhy{r.Detail, r.Why}, at, source, r.Evidence)
		case r.Outcome != ResolveOrder:
			return fmt.Errorf("resolve print of %s: unknown outcome %q", id, r.Outcome)
		case cur.RequiresApproval && !cur.Released:
			result = PrintStateHeld
			batch, err := heldBatch(ctx, tx, cur.Policy, id, at)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = 'held', batch_id = $2, request = $3, due_at = NULL,
				updated_at = $4 WHERE shipment_id = $1`, id, batch, jsonParam(r.Request), at); err != nil {
				return fmt.Errorf("hold print of %s: %w", id, err)
			}
			if err := setStage(ctx, tx, id, model.StagePrintHeld); err != nil {
				return err
			}
			return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintHeld, Source: SourcePolicy, ObservedAt: at,
				Message: fmt.Sprintf("print order held for approval in batch %d (policy %s)", batch, cur.Policy), Payload: evidenceJSON(r.Request)})
		default:
			result = PrintStateQueued
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET request = $2 WHERE shipment_id = $1`, id, jsonParam(r.Request)); err != nil {
				return fmt.Errorf("store print order of %s: %w", id, err)
			}
			msg := "print order decided (policy " + cur.Policy + ")"
			if cur.Released {
				msg = fmt.Sprintf("print order decided after the release of batch %d, its address looked up again (policy %s)", *cur.BatchID, cur.Policy)
			}
			return queuePrint(ctx, tx, id, at, Event{Kind: EventPrintDecided, Source: SourcePolicy, Message: msg, Payload: evidenceJSON(r.Request)})
		}
	})
	return result, err
}

// printRank orders the provider's states; 3 is final.
var printRank = map[string]int{PrintStateReceived: 1, PrintStatePrinted: 2, PrintStatePosted: 3, PrintStateFailed: 3, PrintStateCancelled: 3}

// printRow is a print order with its shipment's state, locked.
type printRow struct {
	State            string      `db:"state"`
	OrderID          string      `db:"order_id"`
	Policy           string      `db:"policy"`
	RequiresApproval bool        `db:"requires_approval"`
	ShipmentState    model.State `db:"shipment_state"`
	Stage            model.Stage `db:"stage"`
	Purged           bool        `db:"purged"`
	BatchID          *int64      `db:"batch_id"`
	Released         bool        `db:"released"` // its approval batch is released: it is never held again
}

func lockPrint(ctx context.Context, tx *sqlx.Tx, id string) (printRow, error) {
	var r printRow
	err := tx.GetContext(ctx, &r, `SELECT p.state, p.order_id, p.policy, p.requires_approval, s.state AS shipment_state, s.stage,
			s.purged_at IS NOT NULL AS purged, p.batch_id,
			EXISTS (SELECT 1 FROM print_batches b WHERE b.id = p.batch_id AND b.state = 'released') AS released
		FROM shipments s JOIN print_orders p ON p.shipment_id = s.id WHERE s.id = $1 AND p.shipment_id = $1 FOR UPDATE`, id)
	if err != nil {
		return r, fmt.Errorf("lock print order of %s: %w", id, notFound(err))
	}
	return r, nil
}

// applyPrintState moves an order to the provider's state, with its event
// (none for a cancel already logged) and what it means for the shipment.
func applyPrintState(ctx context.Context, tx *sqlx.Tx, id string, cur printRow, state, reason string, payload []byte, at, nextPoll time.Time, logged bool) error {
	stale := printRank[state] < printRank[cur.State]
	if stale {
		// An order's state only moves forward: an older answer (the
		// provider lagging behind) keeps the state and its reason, but
		// says the provider knows the order: polled again as the state's
		// own answer would be, its failures, not-found window and
		// unanswered run over (answered_at).
		state = cur.State
	}
	final := state == PrintStatePosted || state == PrintStateFailed || state == PrintStateCancelled
	var due any = nextPoll
	if final {
		due = nil
	}
	if stale {
		if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET due_at = $2, last_error = '', not_found_since = NULL, poll_failures = 0,
			unanswered_since = NULL, answered_at = $3, updated_at = $3 WHERE shipment_id = $1`, id, due, at); err != nil {
			return fmt.Errorf("record a stale print order state of %s: %w", id, err)
		}
		return nil
	}
	// lease_until stays: a row is not claimed twice within one lease, even
	// when it still wants a cancel.
	if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = $2, failure_reason = $3, due_at = $4,
		last_error = '', not_found_since = NULL, poll_failures = 0, unanswered_since = NULL, answered_at = $5, updated_at = $5
		WHERE shipment_id = $1`, id, state, reason, due, at); err != nil {
		return fmt.Errorf("record print order state of %s: %w", id, err)
	}
	if state == cur.State {
		return nil
	}
	if !logged {
		msg := fmt.Sprintf("print order %s: %s → %s", cur.OrderID, cur.State, state)
		if reason != "" {
			msg += ": " + reason
		}
		if err := appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintStatus, Source: SourcePrint, ObservedAt: at,
			RawStatus: state, Message: msg, Payload: evidenceJSON(payload)}); err != nil {
			return err
		}
	}
	switch state {
	case PrintStatePrinted, PrintStatePosted:
		return setStage(ctx, tx, id, model.StagePrinted)
	case PrintStateFailed:
		// A failed order goes to a person, to print by hand or deliver
		// otherwise, even when the letter was opened or closed meanwhile
		// (they judge whether anything is still needed); a purged letter
		// has nothing left to print and nobody to name: its order ends as
		// a cancelled one would.
		if cur.Purged {
			return setStage(ctx, tx, id, model.StagePrintCancelled)
		}
		return toManual(ctx, tx, id, "print_failed", manualWhy{"the print provider could not print the order: " + reason,
			[]i18n.Phrase{i18n.P("manual.detail.print_failed", "Error", reason)}}, at, SourcePrint, nil)
	case PrintStateCancelled:
		if !logged && Printable(cur.ShipmentState, cur.Stage, cur.Purged) {
			return toManual(ctx, tx, id, "print_cancelled", manualWhy{"the print order was cancelled at the provider",
				[]i18n.Phrase{i18n.P("manual.detail.print_cancelled")}}, at, SourcePrint, nil)
		}
		return setStage(ctx, tx, id, model.StagePrintCancelled)
	}
	return nil
}

// lostPrint ends an order the provider no longer knows (u.Lost): failed,
// not polled again, and the letter to manual handling with
// ReasonPrintLost; a purged letter's order ends as a cancelled one would
// (nothing to print by hand, nobody to name), and so does an order to
// cancel (u.Cancel CancelGone: the letter was opened or closed after the
// order, nobody waits for the paper, and there is nothing to cancel).
func lostPrint(ctx context.Context, tx *sqlx.Tx, id string, cur printRow, u PrintStatusUpdate) error {
	gone := u.Cancel == CancelGone
	var since time.Time
	if err := tx.GetContext(ctx, &since, `SELECT COALESCE(not_found_since, $2) FROM print_orders WHERE shipment_id = $1`,
		id, u.At); err != nil {
		return fmt.Errorf("read since when the provider does not know the print order of %s: %w", id, err)
	}
	sinceText := since.UTC().Format("2006-01-02 15:04 UTC")
	reason := "the print provider does not know order " + cur.OrderID + " (HTTP 404 since " + sinceText + ")"
	if gone {
		reason += "; the letter was opened or closed after the order: nothing to cancel"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = 'failed', failure_reason = $2, due_at = NULL,
		last_error = $3, cancel_tried = cancel_tried OR $5, updated_at = $4 WHERE shipment_id = $1`,
		id, reason, cmp.Or(u.Error, reason), u.At, gone); err != nil {
		return fmt.Errorf("record lost print order of %s: %w", id, err)
	}
	if err := appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintStatus, Source: SourcePrint, ObservedAt: u.At,
		RawStatus: PrintStateFailed, Message: fmt.Sprintf("print order %s: %s → %s: %s", cur.OrderID, cur.State, PrintStateFailed, reason)}); err != nil {
		return err
	}
	if cur.Purged || gone {
		return setStage(ctx, tx, id, model.StagePrintCancelled)
	}
	return toManual(ctx, tx, id, ReasonPrintLost, manualWhy{reason + "; no second order was placed: ask the provider whether it was printed",
		[]i18n.Phrase{i18n.P("manual.detail.print_lost", "Order", cur.OrderID, "Since", sinceText)}}, u.At, SourcePrint, u.Payload)
}

func setPrint(ctx context.Context, tx *sqlx.Tx, id, state string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = $2, due_at = NULL, updated_at = $3 WHERE shipment_id = $1`,
		id, state, at); err != nil {
		return fmt.Errorf("set print order of %s to %s: %w", id, state, err)
	}
	return nil
}

// setStage moves a shipment to an escalation stage when the stage table
// allows the move from where it is (so never once its channel printed or
// closed it).
func setStage(ctx context.Context, tx *sqlx.Tx, id string, stage model.Stage) error {
	if _, err := tx.ExecContext(ctx, `UPDATE shipments SET stage = $2 WHERE id = $1 AND stage IN (`+sqlStagesBefore(stage)+`)`,
		id, stage); err != nil {
		return fmt.Errorf("set stage of %s: %w", id, err)
	}
	return nil
}

// queuePrint puts an order into the outbox, in the caller's transaction,
// with the event ev that says why.
func queuePrint(ctx context.Context, tx *sqlx.Tx, id string, at time.Time, ev Event) error {
	if err := setPrint(ctx, tx, id, PrintStateQueued, at); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO print_outbox (shipment_id, created_at, next_attempt_at) VALUES ($1, $2, $2)`,
		id, at); err != nil {
		return fmt.Errorf("put print order of %s into the outbox: %w", id, err)
	}
	if err := setStage(ctx, tx, id, model.StagePrintOrdered); err != nil {
		return err
	}
	ev.ShipmentID, ev.ObservedAt = id, at
	return appendEvent(ctx, tx, ev)
}

// relookPrint sends a released print back to its address lookup, due at
// once and in the caller's transaction, with the event ev that says who
// released it: the address it was held with is the register's answer of
// the day it was decided, and the organisation may have moved or ceased
// since (a batch can wait weeks for approval). The lookup reads the
// register's cache while it is fresh (POSTVAKT_REGISTER_CACHE_TTL), so a
// batch released the same day asks nobody again; ResolvePrint then queues
// the order without holding it again (its batch is released), or sends it
// to manual handling. The stage is print_ordered from the release on, as
// for any order the approval let through.
func relookPrint(ctx context.Context, tx *sqlx.Tx, id string, at time.Time, ev Event) error {
	if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = 'lookup', due_at = $2, attempts = 0, updated_at = $2,
		lookup_failing_since = NULL WHERE shipment_id = $1`, id, at); err != nil {
		return fmt.Errorf("look up the address of released print %s again: %w", id, err)
	}
	if err := setStage(ctx, tx, id, model.StagePrintOrdered); err != nil {
		return err
	}
	ev.ShipmentID, ev.ObservedAt = id, at
	return appendEvent(ctx, tx, ev)
}

func skipPrint(ctx context.Context, tx *sqlx.Tx, id string, cur printRow, at time.Time) error {
	if err := setPrint(ctx, tx, id, PrintStateSkipped, at); err != nil {
		return err
	}
	// Called off before any order went out: the letter is not among those
	// whose print was ordered (a letter the channel closed or printed
	// meanwhile keeps the stage that says so).
	if err := setStage(ctx, tx, id, model.StagePrintCancelled); err != nil {
		return err
	}
	return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintSkipped, Source: SourcePrint, ObservedAt: at,
		Message: fmt.Sprintf("no print: the shipment is %s (stage %s)", cur.ShipmentState, cur.Stage)})
}

// manualWhy is a manual-handling detail: the English sentence (the
// evidence's, print_manual.detail) and its phrases (print_manual.why, in
// i18n.Phrase's JSON; printing.Detail says them).
type manualWhy struct {
	detail string
	why    []i18n.Phrase
}

// toManual puts a shipment into manual handling with its reason.
func toManual(ctx context.Context, tx *sqlx.Tx, id, reason string, d manualWhy, at time.Time, source string, evidence []byte) error {
	var why any
	if len(d.why) > 0 {
		b, err := json.Marshal(d.why)
		if err != nil {
			return fmt.Errorf("put %s into manual handling: encode its detail: %w", id, err)
		}
		// The register's words in a phrase (a country, a date) may hold
		// what jsonb refuses (\u0000): cleaned, as the evidence is.
		why = CleanJSON(b)
	}
	d.detail = CleanText(d.detail)
	if _, err := tx.ExecContext(ctx, `INSERT INTO print_manual (shipment_id, reason, detail, why, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (shipment_id) DO NOTHING`, id, reason, d.detail, why, at); err != nil {
		return fmt.Errorf("put %s into manual handling: %w", id, err)
	}
	if err := setStage(ctx, tx, id, model.StageManual); err != nil {
		return err
	}
	return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintManual, Source: source, ObservedAt: at,
		RawStatus: reason, Message: d.detail, Payload: evidenceJSON(evidence)})
}

// heldBatch returns the open held batch of the policy and the shipment's
// sender organisation (one batch per organisation and policy, so an officer
// scoped to one organisation can decide it), creating it if need be, and
// holds a share lock on it so it cannot be decided before the caller commits
// the print it adds.
func heldBatch(ctx context.Context, tx *sqlx.Tx, policy, shipmentID string, at time.Time) (int64, error) {
	var org int64
	if err := tx.GetContext(ctx, &org, `SELECT u.sender_org_id FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
		WHERE s.id = $1`, shipmentID); err != nil {
		return 0, fmt.Errorf("find print batch for %s: sender of %s: %w", policy, shipmentID, err)
	}
	for try := 0; try < 3; try++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO print_batches (policy, sender_org_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (policy, sender_org_id) WHERE state = 'held' DO NOTHING`, policy, org, at); err != nil {
			return 0, fmt.Errorf("open print batch for %s: %w", policy, err)
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM print_batches WHERE policy = $1 AND sender_org_id = $2 AND state = 'held'
			FOR SHARE`, policy, org); err != nil {
			return 0, fmt.Errorf("find print batch for %s: %w", policy, err)
		}
		if len(ids) == 1 {
			return ids[0], nil
		}
	}
	return 0, fmt.Errorf("find print batch for %s: decided while adding to it, three times", policy)
}

// evidenceJSON makes b fit for an event's jsonb payload: nil when empty, b
// when it is JSON, else b as a JSON string (garbage is kept, not refused);
// either cleaned as CleanJSON does, so that what jsonb refuses (a \u0000
// escape, a NUL byte, a byte that is not UTF-8 in a JSON answer) cannot
// fail the write of the letter's outcome.
func evidenceJSON(b []byte) JSON {
	if len(b) == 0 {
		return nil
	}
	if !json.Valid(b) {
		b, _ = json.Marshal(strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	return JSON(CleanJSON(b))
}

// jsonParam passes a JSON document as a jsonb parameter: NULL when empty or
// not valid JSON (it is evidence, not worth failing a write for).
func jsonParam(b []byte) any {
	c := CleanJSON(b) // an answer with NUL or invalid UTF-8 must not fail the write
	if len(c) == 0 {
		return nil
	}
	return c
}
