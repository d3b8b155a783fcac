package remind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"postvakt/internal/altinntoken"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// OrderLog is what ordering through Altinn Notifications needs of the store.
type OrderLog interface {
	PrepareNotificationOrder(ctx context.Context, id int64, request []byte) error
	RecordNotificationOrder(ctx context.Context, id int64, orderID string, now time.Time) error
	RecordNotificationOrderFailed(ctx context.Context, id int64, cause string, next time.Time) error
	RecordNotificationOrderRefused(ctx context.Context, id int64, cause string, now time.Time) error
	OpenNotificationOrders(ctx context.Context, now time.Time, after store.OrderCursor, limit int) ([]store.NotificationOrder, error)
	FailUnknownNotification(ctx context.Context, id int64, cause string, refused bool, now time.Time) error
	FallBackToEmail(ctx context.Context, id int64, recipients []string, cause string, refused bool, now time.Time) error
}

// Orderer places an Altinn Notifications order (*Notifier).
type Orderer interface {
	Order(ctx context.Context, request []byte) (string, error)
}

// Orders sends every reminder also through the channel's notification API
// (Altinn Notifications), in addition to e-mail. The order is built and kept
// with the notification before the e-mail goes out, and placed once the
// e-mail was sent; its idempotencyId comes from the notification key, so
// placing it again (after a failure or a crash) never orders twice.
type Orders struct {
	Log      OrderLog
	Notifier Orderer
	// ResourceID, when set, is the Altinn resource whose access the
	// notified people must have (the confidential post resource).
	ResourceID string
	// Page is how many orders RetryOrders lists at a time (0: 500).
	Page int
}

// place places a kept order (tried attempts times before) and records the
// outcome. A failure is recorded (RetryOrders places it again after
// model.RetryAfter) and returned; it is not a store error.
func (r *Reminder) place(ctx context.Context, id int64, org string, request []byte, attempts int, now time.Time) (string, error) {
	return r.placeWith(ctx, r.Orders.Notifier, id, org, request, attempts, now)
}

// placeWith is place through o (a Courier's throttle).
func (r *Reminder) placeWith(ctx context.Context, o Orderer, id int64, org string, request []byte, attempts int, now time.Time) (string, error) {
	log := r.logger().With("org", org, "notification", id)
	orderID, err := o.Order(ctx, request)
	rctx := context.WithoutCancel(ctx)
	if errors.Is(err, ErrOrderRefused) {
		// Permanent for this order: recorded and listed for the compliance
		// officer (postvakt notifications list), never placed again.
		log.Warn("notification order refused for good (no contact information in Altinn); not placed again", "error", err)
		if rerr := r.Orders.Log.RecordNotificationOrderRefused(rctx, id, err.Error(), now); rerr != nil {
			log.Error("refused notification order not recorded", "error", rerr)
		}
		return "", err
	}
	if err != nil {
		log.Warn("notification order not placed; the next run tries again", "error", err)
		next := orderRetryAt(now, attempts, err)
		if ctx.Err() != nil {
			next = now // cut by a stop, not refused: the next run places it
		}
		if rerr := r.Orders.Log.RecordNotificationOrderFailed(rctx, id, err.Error(), next); rerr != nil {
			log.Error("failed notification order not recorded", "error", rerr)
		}
		return "", err
	}
	if err := r.Orders.Log.RecordNotificationOrder(rctx, id, orderID, now); err != nil {
		// Placing it again gets the same order back, so nothing is lost.
		log.Error("notification order placed but not recorded; the next run records it", "order_id", orderID, "error", err)
		return orderID, err
	}
	log.Info("notification order placed", "order_id", orderID)
	return orderID, nil
}

// orderRetryAt is when an order that failed (tried attempts times before)
// is placed again: after model.RetryAfter, or later when Altinn asked for
// a longer wait than the HTTP client waits (a 429 or 503 whose
// Retry-After, seconds or an HTTP date, exceeds its cap), up to a day, the
// longest backoff (a date years ahead would never remind).
func orderRetryAt(now time.Time, attempts int, err error) time.Time {
	d := model.RetryAfter(attempts + 1)
	var se *httpclient.StatusError
	if errors.As(err, &se) && se.RetryAfter > d {
		d = min(se.RetryAfter, max(d, 24*time.Hour))
	}
	return now.Add(d)
}

// RetryOrders places the orders of sent reminders that are not placed yet
// (an earlier failure, or a crash between the e-mail and the order), and
// settles the reminders sent by an order alone whose outcome is unknown
// (settleByOrder), each after its wait (store.OpenNotificationOrders says
// which), listed a page (Orders.Page) at a time. A kept order goes with the
// resource id set now: a refused setting, once fixed, reaches the orders
// kept before (Altinn knows an order by its idempotencyId alone, so the
// changed body orders nothing twice). It returns how many were placed and
// the orders that failed; the error is for the store only. An order for
// which wait is true (outside its reminder's send window: Altinn sends what
// it is given at once) is left for a later run, and the pages go on past
// it; all are left after Altinn throttled one (httpclient.Throttled).
func (r *Reminder) RetryOrders(ctx context.Context, now time.Time, wait func(store.NotificationOrder) bool) (placed int, failed []store.NotificationOrder, err error) {
	if r.Orders == nil {
		return 0, nil, nil
	}
	page := r.Orders.Page
	if page <= 0 {
		page = 500
	}
	var after store.OrderCursor
	for {
		open, err := r.Orders.Log.OpenNotificationOrders(ctx, now, after, page)
		if err != nil {
			return placed, failed, err
		}
		for _, o := range open {
			after = o.Cursor()
			if wait != nil && wait(o) {
				continue
			}
			place := r.place
			if o.Status == model.NotifyUnknown {
				place = r.settleByOrder
			}
			if _, err := place(ctx, o.ID, o.Org, withResource(o.Request, r.Orders.ResourceID), o.Attempts, now); err != nil {
				if ctx.Err() != nil {
					return placed, failed, fmt.Errorf("retry notification orders: %w", ctx.Err())
				}
				failed = append(failed, o)
				if _, throttled := httpclient.Throttled(err); throttled {
					// Altinn asked postvakt to slow down (a 429, or a wait
					// longer than the HTTP client makes): an answer about the
					// service, not this order. The rest are not asked this
					// run (each would be a request it said not to make, and
					// the client's waits before giving up, order after order,
					// held the run); a later run places them.
					r.logger().Warn("Altinn Notifications is throttling: the other notification orders wait for a later run")
					return placed, failed, nil
				}
				if tokenRefused(err) {
					// Every order goes with that token: each would be
					// refused alike.
					r.logger().Error("Altinn Notifications refused the token: the other notification orders wait for a later run; "+
						"its token needs the scopes "+NotificationsScope, "error", err)
					return placed, failed, nil
				}
				continue
			}
			placed++
		}
		if len(open) < page {
			return placed, failed, nil
		}
	}
}

// withResource is a kept order request with the resource id set to
// resourceID (as OrderRequest writes it; none when ""); a request it cannot
// read goes as it was.
func withResource(request []byte, resourceID string) []byte {
	var req map[string]json.RawMessage
	if json.Unmarshal(request, &req) != nil {
		return request
	}
	var rcpt map[string]map[string]json.RawMessage
	if json.Unmarshal(req["recipient"], &rcpt) != nil || rcpt["recipientOrganization"] == nil {
		return request
	}
	org := rcpt["recipientOrganization"]
	if id := resourceURN(resourceID); id == "" {
		delete(org, "resourceId")
	} else {
		org["resourceId"], _ = json.Marshal(id)
	}
	b, err := json.Marshal(rcpt)
	if err != nil {
		return request
	}
	req["recipient"] = b
	if b, err = json.Marshal(req); err != nil {
		return request
	}
	return b
}

// throttle is an Orderer for one run's Couriers: once Altinn throttled one
// of its orders (httpclient.Throttled: a 429, or a Retry-After longer than
// the HTTP client waits), it answers the orders after it with that answer
// without asking Altinn, which said not to be asked before its wait (its
// Retry-After, at least minThrottle; and
// each such order would hold the run for the HTTP client's own waits).
// So it does, for the rest of the run, once Altinn refused an order's
// token (tokenRefused): every order goes with it. A 403 with an error
// code refuses that one order, not the others, and stops nothing.
// An order so answered was not placed, as the one Altinn throttled was not,
// and was never sent: the answer it gets is the throttled one as it came,
// not what an earlier attempt of that order's call may have done
// (StatusError.EarlierMayHaveActed: a 503 before the 429 may have placed
// that order, not these).
//
// A run's delivery workers share one (Reminder.Couriers): it is safe for
// concurrent use, its orders asked concurrently.
type throttle struct {
	o       Orderer
	mu      sync.Mutex
	err     *httpclient.StatusError // the throttled answer
	until   time.Time               // in real time, as Retry-After is: when Altinn is asked again
	refused *httpclient.StatusError // the answer that refused the token: nothing more is asked
}

// minThrottle is how long a courier asks Altinn nothing after a 429 that
// gave no longer wait (the HTTP client retried it already).
const minThrottle = time.Minute

func (t *throttle) Order(ctx context.Context, request []byte) (string, error) {
	t.mu.Lock()
	refused, held, until := t.refused, t.err, t.until
	t.mu.Unlock()
	if refused != nil {
		return "", fmt.Errorf("not sent: Altinn Notifications refused the token of an earlier order of this run: %w", refused)
	}
	if held != nil && time.Now().Before(until) {
		return "", fmt.Errorf("not sent: Altinn Notifications throttled an earlier order of this run: %w", held)
	}
	// The hold ends with its time, not with an answer: another worker's
	// order asked before the 429 may be answered after it.
	id, err := t.o.Order(ctx, request)
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return id, err
	}
	answer := *se
	answer.EarlierMayHaveActed = false
	t.mu.Lock()
	defer t.mu.Unlock()
	if wait, throttled := httpclient.Throttled(err); throttled {
		t.err, t.until = &answer, time.Now().Add(max(wait, minThrottle))
	} else if tokenRefused(err) {
		t.refused = &answer
	}
	return id, err
}

// tokenRefused reports whether Altinn Notifications refused the token an
// order came with, which every order has alike: a 401 (it refuses no
// order alone with one), or a 403 about the token after the one renewal
// (altinntoken.ErrRefused); not a 403 with an error code, about that order,
// nor a token that could not be had (httpclient.ErrNotSent).
func tokenRefused(err error) bool {
	if errors.Is(err, altinntoken.ErrRefused) {
		return true
	}
	var se *httpclient.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusUnauthorized && !errors.Is(err, httpclient.ErrNotSent)
}
