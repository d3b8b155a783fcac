package store

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// PrintOutboxItem is an outbox row claimed for sending.
type PrintOutboxItem struct {
	ShipmentID string `db:"shipment_id"`
	Key        string `db:"idempotency_key"`
	Request    JSON   `db:"request"`
	Attempts   int    `db:"attempts"` // claims so far, this one included
	// Unsent counts the earlier claims that certainly placed no order
	// (PrintSendResult.NotReached).
	Unsent        int         `db:"unsent"`
	ShipmentState model.State `db:"shipment_state"`
	Stage         model.Stage `db:"stage"`
	Purged        bool        `db:"purged"` // the letter's personal data was purged
	// ClaimedUntil is when this claim's lease ends. With Attempts it
	// names the claim: a sender whose lease ran out (a slow batch) and
	// whose row another sender claimed since finishes or releases nothing
	// (PrintSendResult.Claim, ReleasePrintOutbox).
	ClaimedUntil time.Time `db:"claimed_until"`
}

// NeverSent reports whether no claim of the row may have reached the
// provider: this is its first, or every earlier one certainly failed
// before it (NotReached). Its letter, opened meanwhile, needs no order.
func (it PrintOutboxItem) NeverSent() bool { return it.Attempts-it.Unsent <= 1 }

// Claim is the claim it was taken under, for PrintSendResult.Claim.
func (it PrintOutboxItem) Claim() PrintClaim {
	return PrintClaim{Attempts: it.Attempts, Until: it.ClaimedUntil}
}

// PrintClaim names one claim of an outbox row: the attempt it counted and
// its lease's end, which no later claim (nor a release) leaves as they were.
type PrintClaim struct {
	Attempts int
	Until    time.Time
}

// ClaimPrintOutbox claims up to limit outbox rows due at now. The claim
// commits before the provider is called: it counts the attempt and moves the
// row out of reach for lease, after which a crashed sender's rows come back.
func (s *Store) ClaimPrintOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]PrintOutboxItem, error) {
	var out []PrintOutboxItem
	err := s.db.SelectContext(ctx, &out, `UPDATE print_outbox o SET next_attempt_at = $2, attempts = o.attempts + 1
		FROM (SELECT shipment_id FROM print_outbox WHERE next_attempt_at <= $1
		      ORDER BY next_attempt_at, shipment_id LIMIT $3 FOR UPDATE SKIP LOCKED) d, print_orders p, shipments s
		WHERE o.shipment_id = d.shipment_id AND p.shipment_id = o.shipment_id AND s.id = o.shipment_id
		RETURNING o.shipment_id, p.idempotency_key, p.request, o.attempts, o.unsent, s.state AS shipment_state, s.stage,
			s.purged_at IS NOT NULL AS purged, o.next_attempt_at AS claimed_until`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim print outbox: %w", err)
	}
	return out, nil
}

// ReleasePrintOutbox gives back claimed outbox rows that were not sent (a
// graceful stop): due again at now, and the claim not counted, so a row
// never sent stays one that may be skipped when its letter was opened. A
// row whose claim ran out and that another sender claimed since is left
// to it.
func (s *Store) ReleasePrintOutbox(ctx context.Context, items []PrintOutboxItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	ids, attempts, until := make([]string, len(items)), make([]int64, len(items)), make([]time.Time, len(items))
	for i, it := range items {
		ids[i], attempts[i], until[i] = it.ShipmentID, int64(it.Attempts), it.ClaimedUntil
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE print_outbox o SET next_attempt_at = $4, attempts = GREATEST(o.attempts - 1, 0)
		FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS c(id, attempts, until)
		WHERE o.shipment_id = c.id AND o.attempts = c.attempts AND o.next_attempt_at = c.until`,
		pq.Array(ids), pq.Array(attempts), pq.Array(until), now); err != nil {
		return fmt.Errorf("release %d claimed print outbox rows: %w", len(items), err)
	}
	return nil
}

// Outcomes of sending an outbox row, for PrintSendResult.Outcome.
const (
	SendOrdered = "ordered" // the provider has the order
	SendRetry   = "retry"   // the call failed; try again at RetryAt
	SendRefused = "refused" // the provider refused the order for good: manual handling
	SendSkipped = "skipped" // never sent: the shipment was opened or closed first
	// SendKeyUsed: the provider answered that an order exists under the
	// row's idempotency key (409, or 422: used with another order) without
	// naming it: it cannot be looked up, and is never sent again (a
	// provider that forgot the key would take a second order): manual
	// handling, ReasonPrintKeyUsed.
	SendKeyUsed = "key_used"
)

// PrintSendResult is what sending one outbox row came to.
type PrintSendResult struct {
	ShipmentID    string
	Outcome       string
	At            time.Time
	OrderID       string    // SendOrdered
	State         string    // SendOrdered: the provider's order state
	FailureReason string    // SendOrdered: the provider's reason for a failed order
	Payload       []byte    // the provider's answer (JSON), kept as evidence
	Error         string    // SendRetry, SendRefused, SendKeyUsed
	RetryAt       time.Time // SendRetry
	// NotReached (SendRetry): the call certainly placed no order: it
	// never reached the provider (httpclient.NotReached), or the provider
	// refused it unseen (printing decides); counted in the row's unsent.
	NotReached bool
	NextPollAt time.Time // SendOrdered: when to ask for the order's state
	// KeyOtherBody (SendKeyUsed): the provider answered 422, the key used
	// before with another order, rather than 409: an order exists under
	// the key all the same.
	KeyOtherBody bool
	// EarlierMayHavePlaced (SendRefused): an earlier attempt of the
	// order (a 5xx, a timeout: its answer lost) may have reached the
	// provider and placed it under its key; the manual case names the key.
	EarlierMayHavePlaced bool
	// Claim is the claim the row was sent under (PrintOutboxItem.Claim):
	// the outcome is recorded only while that claim holds the row. A
	// sender whose lease ran out in a slow batch, and whose row another
	// claimed since, records nothing: its view of the row (Attempts 1,
	// "never reached the provider") may be stale, and the other claim's
	// order stands. Zero: whoever holds the row (tools, tests).
	Claim PrintClaim
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PrintStillWanted reports whether the letter of a claimed outbox row may
// still be printed (Printable), read just before its order is placed: one
// opened or closed since the claim needs none.
func (s *Store) PrintStillWanted(ctx context.Context, shipmentID string) (bool, error) {
	var r struct {
		State  model.State `db:"state"`
		Stage  model.Stage `db:"stage"`
		Purged bool        `db:"purged"`
	}
	if err := s.db.GetContext(ctx, &r, `SELECT state, stage, purged_at IS NOT NULL AS purged FROM shipments WHERE id = $1`,
		shipmentID); err != nil {
		return false, fmt.Errorf("read whether %s is still to be printed: %w", shipmentID, notFound(err))
	}
	return Printable(r.State, r.Stage, r.Purged), nil
}

// FinishPrintSend records the outcome of sending an outbox row in one
// transaction with its event. The row is removed unless the send is to be
// retried; when another sender finished it already, or claimed it since
// (r.Claim), nothing is written.
func (s *Store) FinishPrintSend(ctx context.Context, r PrintSendResult) error {
	// The provider's words, as text columns take them: a NUL or a byte
	// that is not UTF-8 in one letter's answer must not fail its write
	// (and with it the drain of every letter after it).
	r.OrderID, r.State, r.FailureReason, r.Error = CleanText(r.OrderID), CleanText(r.State), CleanText(r.FailureReason), CleanText(r.Error)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, at := r.ShipmentID, r.At
		q := `DELETE FROM print_outbox WHERE shipment_id = $1`
		args := []any{id}
		if r.Outcome == SendRetry {
			q = `UPDATE print_outbox SET next_attempt_at = $2, last_error = $3, unsent = unsent + $4 WHERE shipment_id = $1`
			args = append(args, r.RetryAt, r.Error, boolInt(r.NotReached))
		}
		if !r.Claim.Until.IsZero() {
			args = append(args, r.Claim.Attempts, r.Claim.Until)
			q += fmt.Sprintf(` AND attempts = $%d AND next_attempt_at = $%d`, len(args)-1, len(args))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("finish print outbox row of %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		cur, err := lockPrint(ctx, tx, id)
		if err != nil {
			return err
		}
		switch r.Outcome {
		case SendRetry:
			return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintError, Source: SourcePrint, ObservedAt: at,
				Message: "print order not placed, retried later: " + r.Error, Payload: evidenceJSON(r.Payload)})
		case SendSkipped:
			return skipPrint(ctx, tx, id, cur, at)
		case SendRefused:
			var key string
			if err := tx.GetContext(ctx, &key, `UPDATE print_orders SET state = 'failed', failure_reason = $2, due_at = NULL,
				updated_at = $3 WHERE shipment_id = $1 RETURNING idempotency_key`, id, r.Error, at); err != nil {
				return fmt.Errorf("record refused print order of %s: %w", id, err)
			}
			why := manualWhy{"the print provider refused the order: " + r.Error,
				[]i18n.Phrase{i18n.P("manual.detail.print_refused", "Error", r.Error)}}
			if r.EarlierMayHavePlaced {
				why = manualWhy{"the print provider refused the order: " + r.Error + "; an earlier attempt under the key " + key +
					" may have placed it (its answer was lost): ask the provider for an order under that key before printing or delivering the letter otherwise",
					[]i18n.Phrase{i18n.P("manual.detail.print_refused_after_attempt", "Error", r.Error, "Key", key)}}
			}
			return toManual(ctx, tx, id, "print_refused", why, at, SourcePrint, r.Payload)
		case SendKeyUsed:
			key, err := keyUsed(ctx, tx, id, r.Error, at)
			if err != nil {
				return err
			}
			why := manualWhy{"the print provider answered that an order exists under the key " + key +
				" (HTTP 409) without naming it; it was not sent again: ask the provider for the order under that key before printing the letter otherwise",
				[]i18n.Phrase{i18n.P("manual.detail.print_key_used", "Key", key)}}
			if r.KeyOtherBody {
				why = manualWhy{"the print provider answered that the key " + key + " was used before with another order (HTTP 422): an order exists under it, not named; it was not sent again, so no second order was placed: ask the provider for the order under that key before printing or delivering the letter otherwise",
					[]i18n.Phrase{i18n.P("manual.detail.print_key_other_body", "Key", key)}}
			}
			return toManual(ctx, tx, id, ReasonPrintKeyUsed, why, at, SourcePrint, r.Payload)
		case SendOrdered:
			// placed_at with the order's id: the exports read when it was
			// placed from the order, which the retention purge keeps, not
			// from the evidence, which it removes.
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET order_id = $2, state = 'received', placed_at = $3, updated_at = $3
				WHERE shipment_id = $1`, id, r.OrderID, at); err != nil {
				return fmt.Errorf("record print order of %s: %w", id, err)
			}
			if err := appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintOrdered, Source: SourcePrint, ObservedAt: at,
				RawStatus: r.State, Message: "print order " + r.OrderID, Payload: evidenceJSON(r.Payload)}); err != nil {
				return err
			}
			cur.State = PrintStateReceived
			return applyPrintState(ctx, tx, id, cur, r.State, r.FailureReason, r.Payload, at, r.NextPollAt, false)
		}
		return fmt.Errorf("finish print send of %s: unknown outcome %q", id, r.Outcome)
	})
}

// sqlPlacedFromEvidence is when the print provider accepted the order of
// the letter whose id is the SQL expression shipment, read from its
// evidence (the first EventPrintOrdered), NULL when it has none: for an
// order placed without placed_at, by a binary older than migration 00049
// (which filled it for the orders placed before it). The exports read it
// for such an order, and the retention purge copies it to the order before
// it removes the evidence.
func sqlPlacedFromEvidence(shipment string) string {
	return `(SELECT min(e.observed_at) FROM shipment_events e WHERE e.shipment_id = ` + shipment +
		` AND e.kind = '` + EventPrintOrdered + `')`
}

// PrintPoll is a placed print order claimed for a status poll.
type PrintPoll struct {
	ShipmentID    string      `db:"shipment_id"`
	OrderID       string      `db:"order_id"`
	State         string      `db:"state"`
	CancelTried   bool        `db:"cancel_tried"`
	ShipmentState model.State `db:"shipment_state"`
	Stage         model.Stage `db:"stage"`
	// NotFoundSince is when the provider began answering its status
	// polls that it does not know the order (404), nil while it knows it.
	NotFoundSince *time.Time `db:"not_found_since"`
	// PollFailures counts the order's status polls (and cancels) that
	// failed since the last answer that knew the order: its backoff.
	PollFailures int `db:"poll_failures"`
}

// WantsCancel reports whether the order should be cancelled: the shipment
// was opened (or printed or closed by its channel) after the order was
// placed, and no cancel was tried yet.
func (p PrintPoll) WantsCancel() bool {
	return !p.CancelTried && (p.ShipmentState == model.StateOpened || p.Stage.Ended())
}

// CancelWhy says, for the evidence and the log, why the order is to be
// cancelled (WantsCancel): the letter was opened, or its channel printed
// or closed it. Never "opened" for a letter nobody opened.
func (p PrintPoll) CancelWhy() string {
	switch {
	case p.ShipmentState == model.StateOpened:
		return "opened after the print order"
	case p.Stage == model.StageChannelPrint:
		return "printed and posted by the channel itself after the print order"
	case p.Stage == model.StageRecipientSystem:
		return "delivered into the recipient's own system after the print order"
	}
	return "closed on the channel after the print order"
}

// ClaimPrintPolls claims up to limit orders that are not final and due for a
// status poll at now, or whose shipment was opened since (to cancel them),
// for lease.
func (s *Store) ClaimPrintPolls(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]PrintPoll, error) {
	var out []PrintPoll
	err := s.db.SelectContext(ctx, &out, `UPDATE print_orders p SET lease_until = $2
		FROM (SELECT p2.shipment_id FROM print_orders p2 JOIN shipments s2 ON s2.id = p2.shipment_id
		      WHERE p2.state IN ('received', 'printed') AND (p2.lease_until IS NULL OR p2.lease_until <= $1)
		        AND (p2.due_at <= $1 OR (NOT p2.cancel_tried
		             AND (s2.state = 'opened' OR s2.stage IN (`+sqlEnded+`))))
		      ORDER BY p2.due_at, p2.shipment_id LIMIT $3 FOR UPDATE OF p2 SKIP LOCKED) d, shipments s
		WHERE p.shipment_id = d.shipment_id AND s.id = p.shipment_id
		RETURNING p.shipment_id, p.order_id, p.state, p.cancel_tried, s.state AS shipment_state, s.stage, p.not_found_since,
			p.poll_failures`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim print status polls: %w", err)
	}
	return out, nil
}

// PrintWitness returns the provider's id of a placed order that is not
// final and not one of the given shipments', for printing to ask the
// provider whether it knows any of postvakt's orders: one its last status
// poll knew (or that no poll has asked about yet) when there is one, the
// most recently answered first; "" when there is no other such order.
func (s *Store) PrintWitness(ctx context.Context, exceptShipments []string) (string, error) {
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT order_id FROM print_orders
		WHERE state IN ('received', 'printed') AND order_id <> '' AND NOT (shipment_id = ANY(COALESCE($1::uuid[], '{}')))
		ORDER BY not_found_since IS NOT NULL, last_error <> '', updated_at DESC, shipment_id LIMIT 1`,
		pq.Array(exceptShipments)); err != nil {
		return "", fmt.Errorf("find a print order to ask the provider about: %w", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// Cancel outcomes, for PrintStatusUpdate.Cancel.
const (
	CancelDone    = "cancelled" // the provider cancelled the order
	CancelRefused = "refused"   // too late: the provider answered 409
	// CancelGone, with Lost: the provider has not known the order to
	// cancel for printing.OrderLostAfter (404s counted): nothing to
	// cancel; the order ends failed without manual handling.
	CancelGone = "gone"
)

// PrintStatusUpdate is what one status poll (or cancel) learned about an order.
type PrintStatusUpdate struct {
	ShipmentID    string
	At            time.Time
	State         string // the provider's order state; "" when the call failed
	FailureReason string
	Payload       []byte    // the provider's answer (JSON)
	Cancel        string    // "", CancelDone or CancelRefused; CancelGone with Lost
	CancelWhy     string    // with Cancel: why it was asked for (PrintPoll.CancelWhy)
	Error         string    // the call failed: retried at RetryAt (poll_failures counts it)
	RetryAt       time.Time // with Error
	NextPollAt    time.Time // when to ask again while the order is not final
	// ErrorClass is, with Error, what kind of failure it was without any
	// of its content ("HTTP 503", "timeout": httpclient.Class): all that
	// is kept of it for a purged letter.
	ErrorClass string
	// NotFound, with Error: the provider answered that it does not know
	// the order (404). When it begins a run of such answers (the last poll
	// knew the order, or none did), At is noted as not_found_since; any
	// answer that knows the order clears it. Such a 404 (counted toward
	// the order's loss) is a useful answer: it sets answered_at and clears
	// unanswered_since, which every other Error begins
	// (PrintProviderFacts).
	NotFound bool
	// NotFoundUntrusted, with Error: the provider answered 404, but in a
	// run in which it showed it knows none of the orders it was asked
	// about (printing decides): the answer is not the order's. It does
	// not begin a run of 404s, and it ends one begun before
	// (not_found_since cleared), so an order's run counts only 404s the
	// provider could be taken at its word for, from the next one on.
	NotFoundUntrusted bool
	// Named, with Error: the answer named the order, in a state postvakt
	// does not know: it knows the order, so it ends a run of 404s
	// (not_found_since cleared), though the poll failed (a state to
	// follow; it counts as no useful answer).
	Named bool
	// Lost: the provider has not known the order for long enough
	// (printing decides): the order ends failed and the letter goes to
	// manual handling (ReasonPrintLost), never to a second order; a purged
	// letter's order ends as a cancelled one would, and so does one whose
	// cancel the provider answered 404 for as long (Cancel CancelGone: the
	// letter was opened or closed, nothing to cancel, nothing to print).
	Lost bool
	// LostSince, with Lost: the not_found_since of the claimed row that
	// printing judged. The order is lost only while its row still has that
	// run of 404s: an answer another replica recorded since the claim (a
	// lease that ran out) that knew the order, or began a new run, makes
	// this one an ordinary 404.
	LostSince time.Time
}

// ApplyPrintStatus records a status poll or cancel in one transaction: every
// change of the provider's state is an event; printed or posted closes the
// shipment's escalation (stage printed); failed goes to manual handling.
// Of a letter the retention purge took, only the fact is kept (the state
// and when): not the provider's failure reason or raw answer, and of a
// failed poll only the class of its failure (ErrorClass).
func (s *Store) ApplyPrintStatus(ctx context.Context, u PrintStatusUpdate) error {
	// As FinishPrintSend: one order's odd bytes fail no write.
	u.State, u.FailureReason, u.Error, u.ErrorClass = CleanText(u.State), CleanText(u.FailureReason), CleanText(u.Error), CleanText(u.ErrorClass)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, at := u.ShipmentID, u.At
		cur, err := lockPrint(ctx, tx, id)
		if err != nil || printRank[cur.State] >= 3 {
			return err // final already: a late answer from a worker whose lease ran out
		}
		if cur.Purged {
			// The purge cleared the order's failure reason and the letter's
			// events; the provider's answer may name the recipient and
			// their address (its reason text, the order it echoes), so
			// neither comes back into the order, the event's message or
			// its data. A letter is purged only once its order is placed
			// (not while in the outbox), so only a poll meets one.
			u.FailureReason, u.Payload = "", nil
			// A failed poll's own error text may quote the provider's
			// answer (a plain-text body): only its class is kept.
			if u.Error != "" {
				u.Error = "status poll failed: " + cmp.Or(u.ErrorClass, "error")
			}
		}
		if u.Lost {
			var still bool
			if err := tx.GetContext(ctx, &still, `SELECT COALESCE(not_found_since = $2 AND last_error <> '', false) FROM print_orders
				WHERE shipment_id = $1`, id, u.LostSince); err != nil {
				return fmt.Errorf("check the not-found window of print order of %s: %w", id, err)
			}
			if still {
				return lostPrint(ctx, tx, id, cur, u)
			}
			u.Lost = false // the window judged is over: recorded as the 404 it is
		}
		if u.Error != "" {
			// A 404 after an answer that knew the order (last_error '')
			// begins a new run of them, whatever an older binary left; an
			// untrusted one ends the run. A counted 404 is a useful answer
			// (answered_at, unanswered_since cleared); any other failure
			// begins a run of unanswered polls at the first failure after
			// an answer that knew the order (poll_failures 0), whatever an
			// older binary left.
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET lease_until = $2, last_error = $3, updated_at = $4,
				poll_failures = poll_failures + 1, not_found_since = CASE WHEN $6 OR $7 THEN NULL WHEN NOT $5 THEN not_found_since
					WHEN not_found_since IS NULL OR last_error = '' THEN $4 ELSE not_found_since END,
				unanswered_since = CASE WHEN $5 THEN NULL WHEN unanswered_since IS NULL OR poll_failures = 0 THEN $4
					ELSE unanswered_since END, answered_at = CASE WHEN $5 THEN $4 ELSE answered_at END
				WHERE shipment_id = $1`, id, u.RetryAt, u.Error, at, u.NotFound, u.NotFoundUntrusted, u.Named); err != nil {
				return fmt.Errorf("reschedule print status poll of %s: %w", id, err)
			}
			return appendEvent(ctx, tx, Event{ShipmentID: id, Kind: EventPrintError, Source: SourcePrint, ObservedAt: at,
				Message: "print order status unknown, asked again later: " + u.Error, Payload: evidenceJSON(u.Payload)})
		}
		if u.Cancel != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET cancel_tried = true WHERE shipment_id = $1`, id); err != nil {
				return fmt.Errorf("record cancel of %s: %w", id, err)
			}
			why := u.CancelWhy
			if why == "" {
				why = "opened after the print order"
			}
			ev := Event{ShipmentID: id, Kind: EventPrintCancelled, Source: SourcePrint, ObservedAt: at, RawStatus: u.State,
				Message: why + ": order " + cur.OrderID + " cancelled", Payload: evidenceJSON(u.Payload)}
			if u.Cancel == CancelRefused {
				ev.Kind, ev.Message = EventPrintCancelRefused, why+": too late to cancel order "+cur.OrderID+" ("+u.State+")"
			}
			if err := appendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return applyPrintState(ctx, tx, id, cur, u.State, u.FailureReason, u.Payload, at, u.NextPollAt, u.Cancel == CancelDone)
	})
}

// keyUsed ends the order of a row whose key the provider says it holds an
// order under without naming it (SendKeyUsed): failed, nothing due, its
// key returned for the manual case.
func keyUsed(ctx context.Context, tx *sqlx.Tx, id, class string, at time.Time) (string, error) {
	var key string
	if err := tx.GetContext(ctx, &key, `UPDATE print_orders SET state = 'failed', failure_reason = $2, due_at = NULL,
		updated_at = $3 WHERE shipment_id = $1 RETURNING idempotency_key`, id, "order under the key not named: "+class, at); err != nil {
		return "", fmt.Errorf("record the print order of %s the provider holds under its key: %w", id, err)
	}
	return key, nil
}
