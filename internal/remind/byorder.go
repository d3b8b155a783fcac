package remind

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"postvakt/internal/httpclient"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// ordersTo reports whether reminders to org go through Altinn
// Notifications: Notifications is configured and org is Norwegian (Altinn
// knows no Danish CVR number). RouteOf says how: beside an e-mail to
// addresses an operator gave, or alone (by organisation number: Altinn
// finds its notification addresses, an SMS number too).
func (r *Reminder) ordersTo(org string) bool {
	return r.Orders != nil && model.OrgCountry(org) == "NO"
}

// SMS is the short text of a reminder sent as an SMS (an Altinn
// Notifications order to an organisation Altinn reaches by SMS only), in
// the language of the letters' country: who sent them (the sending
// organisation by name and number, or how many senders), how many letters
// wait for org unopened, and where to read them. Never a title, nor a unit.
// It is one SMS (smsMax characters): a sender whose name and number make
// it longer is named without its number, and then by as much of its name
// as fits ("Statsforvalteren i Vestfold og Telemark (org.nr. …)" made 164).
func SMS(org string, shipments []Shipment) string {
	l := i18n.For(i18n.CountryLanguage(recipientCountry(shipments)), nil)
	text := func(from string) string {
		// A count is grouped with a no-break space (nb 1 307), which GSM-7
		// has not: an SMS holding one goes as UCS-2, 70 characters a part.
		return strings.ReplaceAll(l.T("sms.reminder.altinn", "Count", len(shipments), "Sender", from, "Org", org), "\u00a0", " ")
	}
	senders := senderOrgs(shipments)
	if len(senders) != 1 {
		return text(l.T("sms.reminder.senders", "Count", len(senders)))
	}
	s := senders[0]
	// A name holding a letter outside GSM-7 (a Sámi name's Á or Ŋ, a
	// dash) would make the whole SMS go as UCS-2, 70 characters a part:
	// 160 of them are three SMS.
	s.name = gsm7Text(s.name)
	// An SMS is what a locked phone shows: a sender kept out of the
	// subject (senders.yaml name_in_subject: false) is named by its
	// number alone, as the e-mail's first lines name it (topName).
	if t := text(topName(l, s)); s.name == "" || s.notInSubject || utf8.RuneCountInString(t) <= smsMax {
		return t
	}
	name := []rune(s.name)
	over := utf8.RuneCountInString(text(s.name)) - smsMax
	if over <= 0 {
		return text(s.name)
	}
	const cut = "..." // GSM-7 has no ellipsis character
	keep := max(len(name)-over-len(cut), 1)
	return text(strings.TrimSpace(string(name[:keep])) + cut)
}

// gsm7Basic is the GSM 03.38 default alphabet but its control
// characters: one septet each.
const gsm7Basic = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Kin are characters outside GSM-7's default alphabet (or in its
// extension table, two septets each) written as their nearest kin in it:
// letters without a decomposition to one (Sámi Ŋ, Đ, Ŧ), dashes, quotes.
var gsm7Kin = map[rune]string{
	'Ŋ': "N", 'ŋ': "n", 'Đ': "D", 'đ': "d", 'Ŧ': "T", 'ŧ': "t", 'Ł': "L", 'ł': "l", 'Œ': "OE", 'œ': "oe",
	'–': "-", '—': "-", '‒': "-", '−': "-", '‐': "-", '‑': "-", '~': "-",
	'‘': "'", '’': "'", '‚': "'", '′': "'", '´': "'", '`': "'",
	'“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"",
	'…': "...", '{': "(", '[': "(", '}': ")", ']': ")", '|': "/", '\\': "/", '^': "", '€': "EUR",
}

// gsm7Text is s in GSM-7's default alphabet, one septet a character: a
// character outside it as its kin (gsm7Kin), else as its letter without
// accents (Á, š, Č: A, s, C), else as a space when it is one, else "?".
func gsm7Text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7Basic, r):
			b.WriteRune(r)
		case gsm7Kin[r] != "" || r == '^':
			b.WriteString(gsm7Kin[r])
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			base := ""
			for _, d := range norm.NFD.String(string(r)) {
				if strings.ContainsRune(gsm7Basic, d) {
					base += string(d)
				} else if !unicode.Is(unicode.Mn, d) {
					base = ""
					break
				}
			}
			if base == "" {
				base = "?"
			}
			b.WriteString(base)
		}
	}
	return b.String()
}

// smsMax is one SMS in the GSM-7 alphabet, which the texts keep to (æ, ø,
// å are in it; quotes « » and an ellipsis are not).
const smsMax = 160

// sendByOrder is the send and record stages of a reminder by order alone
// (RouteOrder: no e-mail address postvakt can use, or only Altinn
// Profile's): begun (Begin marked it), its kept order is placed, and the
// reminder recorded sent with the order's id in the same statement that
// counts its letters. An order Altinn refused (orderRefused: 422
// NOT-00001, no contact information there either; a 400; a 429; a
// redirect elsewhere) was not placed: a reminder with Profile addresses goes to them by e-mail
// (sendFallback); one without is failed, and sent again by a later run
// after model.RetryAfter, as a refused e-mail. An order that was never
// sent (orderNotSent: no token) is failed too, without the fallback.
// Any other failure (no answer, a 5xx, an answer that could not be read)
// may have placed it: the reminder is unknown, so that no claim supersedes
// it with an order for other letters, and RetryOrders settles it by placing
// the same order again under its idempotencyId (Altinn answers the order
// it has, or places it once). A crash after Begin leaves it unknown too
// (after its lease), and it is settled the same way.
func (c *Courier) sendByOrder(ctx context.Context, out *Outcome, ps pendingSend, now time.Time) error {
	orderID, err := "", errors.New("no Altinn Notifications order kept (POSTVAKT_NOTIFICATIONS_URL unset since the claim)")
	if ps.order != nil {
		orderID, err = c.orderer().Order(context.WithoutCancel(ctx), ps.order)
	}
	if err != nil && len(ps.fallback) > 0 && (ps.order == nil || orderRefused(err)) {
		// Not placed, and the organisation has addresses in Altinn
		// Profile: the reminder goes to them by e-mail instead.
		return c.sendFallback(ctx, out, ps, err, now)
	}
	rec := store.ReminderOutcome{ID: ps.n.ID, Items: ps.n.Items, Status: model.NotifySent, OrderID: orderID, At: c.at(now)}
	out.Status, out.OrderID, out.Err = StatusSent, orderID, nil
	switch {
	case err == nil:
	case ps.order == nil || orderRefused(err) || orderNotSent(err):
		rec.Status, rec.Cause, rec.OrderID = model.NotifyFailed, err.Error(), ""
		// Refused for good: recorded with the failure, listed for the
		// compliance officer as an order beside an e-mail is (place).
		rec.OrderRefused = errors.Is(err, ErrOrderRefused)
		out.Status, out.OrderID, out.Err = StatusFailed, "", err
	default:
		rec.Status, rec.Cause, rec.OrderID = model.NotifyUnknown, "the Altinn Notifications order may have been placed: "+err.Error(), ""
		out.Status, out.OrderID, out.Err = StatusUnknown, "", err
	}
	if rerr := c.record(ctx, rec, now); rerr != nil {
		return fmt.Errorf("record reminder %d to %s through Altinn Notifications as %s: %w", ps.n.ID, out.Org, out.Status, rerr)
	}
	log := c.log(out.Org, false).With("notification", ps.n.ID, "shipments", len(out.Shipments))
	switch out.Status {
	case StatusSent:
		log.Info("reminder sent through Altinn Notifications (no e-mail address; ordered by organisation number)",
			"order_id", orderID, "shipment_ids", shipmentIDs(out.Shipments))
	case StatusUnknown:
		log.Warn("reminder through Altinn Notifications: whether the order was placed is unknown; the next run places it again under the same idempotencyId",
			"error", err)
	case StatusFailed:
		if orderNotSent(err) {
			log.Warn("reminder not sent: its Altinn Notifications order could not be sent (no Altinn token, or the circuit open); "+
				"the reminder is failed and a run after its wait tries again", "error", err)
			break
		}
		if !errors.Is(err, ErrOrderRefused) {
			log.Warn("reminder not sent: Altinn Notifications refused the order (not for good); the reminder is failed and a run after its wait tries again",
				"error", err)
			break
		}
		// Refused for good: the next run does not try it again; the
		// reminder waits as a refused e-mail does, and is refused again
		// until the organisation can be reached.
		log.Warn("reminder not sent: Altinn Notifications refused the order for good (no contact information for the organisation in Altinn); "+
			"the reminder is failed and not tried again before its wait, and is refused again until the organisation registers contact "+
			"information in Altinn or an e-mail address is imported for it", "error", err)
	}
	return nil
}

// sendFallback sends by e-mail, to its Altinn Profile addresses
// (pendingSend.fallback), a reminder whose order Altinn refused (orderErr:
// it was not placed; or no order kept): the notification becomes an
// e-mail to them before the send (store.FallBackToEmail, which gives the
// order up, so it is never placed beside the e-mail), then it is sent and
// recorded as an e-mail is. A crash before that leaves the reminder by
// order, unknown, settled by placing its order again (refused again: failed,
// sent by a later run); after it, an e-mail whose outcome is unknown, never
// sent again by itself. An e-mail that failed is recorded without its
// addresses, as a reminder by order that failed: the next claim, by order
// again, waits as after any failed try (model.Eligible compares the
// addresses).
func (c *Courier) sendFallback(ctx context.Context, out *Outcome, ps pendingSend, orderErr error, now time.Time) error {
	log := c.log(out.Org, false).With("notification", ps.n.ID)
	refused := errors.Is(orderErr, ErrOrderRefused)
	if err := c.r.Orders.Log.FallBackToEmail(context.WithoutCancel(ctx), ps.n.ID, ps.fallback, orderErr.Error(), refused, now); err != nil {
		return fmt.Errorf("reminder %d to %s: %w", ps.n.ID, out.Org, err)
	}
	msg := Compose(out.Org, out.OrgName, out.Shipments, ps.fallback, c.r.From, ps.n.Key, now)
	out.Message, out.SMS, out.Route, out.OrderID, out.OrderErr, out.OrderGivenUp = msg, "", RouteEmail, "", orderErr, true
	ps.msg, ps.to = msg, len(ps.fallback)
	msg.Date = c.at(now)
	out.Status, out.Err = Send(context.WithoutCancel(ctx), c.send, msg)
	out.Refused = msg.Refused
	rec := outcomeOf(ps.n, msg, out.Status, out.Err)
	rec.At = c.at(now)
	why := "Altinn Notifications refused the order, so it went by e-mail to the organisation's addresses in Altinn Profile: " + orderErr.Error()
	switch rec.Status {
	case model.NotifySent:
		rec.Note = strings.TrimPrefix(rec.Note+"; "+why, "; ")
	case model.NotifyFailed:
		rec.Cause = why + "; the e-mail failed too: " + rec.Cause
		rec.Accepted = []string{} // a reminder by order again (see above)
	}
	if err := c.record(ctx, rec, now); err != nil {
		return fmt.Errorf("record reminder %d to %s (by e-mail after its order was refused) as %s: %w", ps.n.ID, out.Org, out.Status, err)
	}
	log.Warn("Altinn Notifications refused the reminder's order (it was not placed); the reminder went by e-mail to the organisation's addresses in Altinn Profile instead",
		"order_refused_for_good", refused, "addresses", len(ps.fallback), "status", out.Status, "error", orderErr)
	c.logSent(*out, ps)
	return nil
}

// orderNotSent reports whether a failed order's request never left
// postvakt: no Altinn token could be had (the exchange failed, whatever it
// answered: its 401 is not Notifications refusing the order), or the
// circuit was open; and no earlier attempt of the call reached Altinn
// (httpclient.NotReached: a 503 after Altinn took the order, then no token
// for the client's retry, may have placed it). It placed nothing, and
// says nothing of an earlier try.
func orderNotSent(err error) bool {
	return (errors.Is(err, httpclient.ErrNotSent) || errors.Is(err, httpclient.ErrCircuitOpen)) && httpclient.NotReached(err)
}

// statusRequestTerminated is Altinn Notifications' 499 (errorCode
// NOT-00002, "Request Terminated"): it took the client to have gone away
// before it completed the request, which it may have acted on (its
// error-code reference: retry with the same idempotencyId). A 4xx that
// refuses nothing.
const statusRequestTerminated = 499

// orderRefused reports whether Altinn Notifications answered the order
// itself with a 4xx (422 NOT-00001, a 400, a 401, a 429), or the order met
// a redirect to another address (not followed: it never reached the
// service; a POSTVAKT_NOTIFICATIONS_URL with http://): it placed nothing. Any other failure (no answer, a 5xx, a 499 NOT-00002, an
// answer that could not be read) may have placed it; so may an earlier attempt of the HTTP
// client's that was not refused (StatusError.EarlierMayHaveActed: a 503
// after Altinn took the order), whose retry's 401, 403 or 429 answers that
// retry alone. A 422 NOT-00001 or a 400 refuses the order as such: Altinn
// answers an order it has with that order (neverPlaced).
func orderRefused(err error) bool {
	if errors.Is(err, ErrOrderRefused) {
		return true
	}
	var se *httpclient.StatusError
	if orderNotSent(err) || !errors.As(err, &se) || se.StatusCode < 300 || se.StatusCode >= 500 || se.StatusCode == statusRequestTerminated {
		return false
	}
	return !se.EarlierMayHaveActed || se.StatusCode == 400 || se.StatusCode == 422
}

// neverPlaced reports whether the answer to an order placed again under
// its idempotencyId says that no earlier try placed it either: Altinn
// answers a placed order's idempotencyId with that order, so a refusal of
// the order's content (422 NOT-00001, a 400) says it has none. A 401,
// 403, 408 or 429, or a request that never left, answers this try alone.
func neverPlaced(err error) bool {
	if errors.Is(err, ErrOrderRefused) {
		return true
	}
	var se *httpclient.StatusError
	return orderRefused(err) && errors.As(err, &se) && (se.StatusCode == 400 || se.StatusCode == 422)
}

// settleByOrder settles a reminder sent by its order alone whose outcome is
// unknown (sendByOrder, or a crash after Begin), at RetryOrders: its kept
// order placed again under its idempotencyId. Placed (again or for the
// first time), the reminder is recorded sent with it; refused as an order
// Altinn does not have (neverPlaced), it never was placed: the reminder is
// failed, and a later run sends it; otherwise (also a 429, or no token)
// it stays unknown, and is tried again after model.RetryAfter.
func (r *Reminder) settleByOrder(ctx context.Context, id int64, org string, request []byte, attempts int, now time.Time) (string, error) {
	log := r.logger().With("org", org, "notification", id)
	orderID, err := r.Orders.Notifier.Order(ctx, request)
	rctx := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		notPending, rerr := r.Log.RecordReminders(rctx, []store.ReminderOutcome{{ID: id, Status: model.NotifySent, OrderID: orderID}}, now)
		if rerr == nil && len(notPending) > 0 {
			rerr = fmt.Errorf("reminder %d is no longer unknown (settled meanwhile): %w", id, store.ErrNotFound)
		}
		if rerr != nil {
			log.Error("reminder's notification order placed but not recorded; the next run records it", "order_id", orderID, "error", rerr)
			return orderID, rerr
		}
		log.Info("reminder with an unknown outcome sent through Altinn Notifications: its order placed under its idempotencyId", "order_id", orderID)
		return orderID, nil
	case neverPlaced(err):
		log.Warn("reminder with an unknown outcome: Altinn Notifications refused its order, so it was never placed; the next run sends it", "error", err)
		if rerr := r.Orders.Log.FailUnknownNotification(rctx, id, err.Error(), errors.Is(err, ErrOrderRefused), now); rerr != nil {
			log.Error("refused reminder not recorded", "error", rerr)
		}
		return "", err
	}
	log.Warn("reminder with an unknown outcome: its notification order not placed again; the next run tries again", "error", err)
	next := orderRetryAt(now, attempts, err)
	if ctx.Err() != nil {
		next = now
	}
	if rerr := r.Orders.Log.RecordNotificationOrderFailed(rctx, id, err.Error(), next); rerr != nil {
		log.Error("failed notification order not recorded", "error", rerr)
	}
	return "", err
}
