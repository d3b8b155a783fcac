package altinn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// hiddenPurge is, for a top-level status that outranks the purges, the
// purge that can lie under it unseen: Altinn's statusHistory shows its
// sender no purge (IsAvailableForSender in altinn-correspondence), and the
// top-level status is the highest by number (GetHighestStatus), so a
// correspondence that failed and that its sender then withdrew
// (PurgedByAltinn: a sender may purge a Failed one, IsPurgeableForSender)
// reads as Failed, and one reserved and then deleted by its recipient
// (PurgedByRecipient: a Reserved one is shown to the recipient) as
// Reserved. Altinn's search finds them: its status filter is any status a
// correspondence has had (FilterByStatus).
var hiddenPurge = map[string]string{"Failed": "PurgedByAltinn", "Reserved": "PurgedByRecipient"}

// filterCheck is a status no letter purgedUnseen asks about has had: a
// Failed one was never published, so never read, and one Reserved and not
// read shows no Read in its history (which hides only the purges).
const filterCheck = "Read"

// purgedUnseen asks Altinn's search whether a letter whose details read as
// Failed or Reserved, not read and not closed, was purged all the same
// (hiddenPurge), in a window of a few milliseconds around its
// requestedPublishTime, which the search filters on. Purged, the letter is
// closed as a purge at the top closes it (expired, closed: no reminder, no
// print), its status the purge's, dated by this poll (Altinn does not tell
// the purge's time). A search Altinn refuses (a 4xx: an older Altinn, a
// client not let search) leaves the letter as its details say, logged; one
// Altinn fails on (a 5xx, no answer, a page), or a full answer without the
// letter (a bulk send withdrawn: more purged at its publish time than the
// search answers, also for its sendersReference), is the letter's
// ErrFailing, asked again after its backoff: the letter keeps the state it
// had (one not yet seen failed is not sent to print by it). The error
// return is the call's, as details': no token, the token refused, the rate
// limit, an open breaker.
func (c *Client) purgedUnseen(ctx context.Context, id string, doc detailsDoc, o *channel.Observation) error {
	purge, ok := hiddenPurge[o.Status]
	if !ok || o.Err != nil || o.Disposition != channel.DispositionNone || o.State == model.StateOpened || doc.RequestedPublish.IsZero() {
		return nil
	}
	resource := string(doc.ResourceID)
	if resource == "" {
		resource = c.cfg.ResourceID
	}
	if resource == "" {
		return nil
	}
	at := doc.RequestedPublish.Time
	ids, full, err := c.list(ctx, resource, "", at, at, purge)
	if ref := string(doc.SendersReference); err == nil && full && !holds(ids, id) && ref != "" {
		// A bulk send of more than the search answers, purged at one
		// publish time: asked again for the letter's own reference.
		ids, full, err = c.list(ctx, resource, ref, at, at, purge)
	}
	if err == nil && full && !holds(ids, id) {
		err = fmt.Errorf("%w: the search answered %d correspondences purged at its publish time, the most it answers, without it", channel.ErrIncomplete, MaxSearchResults)
	}
	honoured := true
	if err == nil && holds(ids, id) {
		// Found: asked again under a status the letter has not had
		// (filterCheck), so that a search that does not filter by status
		// (an Altinn that ignores the parameter, a fake) does not close
		// every failed letter unprinted.
		var other []string
		if other, _, err = c.list(ctx, resource, "", at, at, filterCheck); err == nil && holds(other, id) {
			honoured = false
			c.log.Warn("altinn: the search answered a correspondence for a status it has not had ("+filterCheck+"): its status filter is not applied, so whether one shown as "+o.Status+" was purged cannot be told; taken as its details say",
				"correspondence", id)
		}
	}
	if err != nil {
		var se *httpclient.StatusError
		var open *httpclient.CircuitOpenError
		_, throttled := httpclient.Throttled(err)
		switch {
		case halfOpen(err):
			o.Err = fmt.Errorf("%w: altinn: whether %s was purged: %w", channel.ErrNotAsked, id, err)
		case ctx.Err() != nil, throttled, errors.Is(err, httpclient.ErrNotSent), errors.Is(err, errTokenRefused), errors.As(err, &open):
			return fmt.Errorf("altinn: whether %s was purged: %w", id, err)
		case errors.As(err, &se) && se.StatusCode >= 400 && se.StatusCode < 500:
			c.log.Warn("altinn: the search refused to tell whether a correspondence shown as "+o.Status+" was purged; taken as its details say",
				"correspondence", id, "error", err)
		default:
			o.Err = fmt.Errorf("%w: altinn: whether %s shown as %s was purged (%s): %w", channel.ErrFailing, id, o.Status, purge, err)
		}
		return nil
	}
	if honoured && holds(ids, id) {
		m := statuses[purge]
		o.Status, o.State, o.Disposition, o.KeepState = purge, m.State, m.Disposition, m.Keep
		o.ChangedAt, o.EnteredAt, o.AvailableAt, o.HeldUntil = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	return nil
}

// holds reports whether ids holds id, in any case.
func holds(ids []string, id string) bool {
	return slices.ContainsFunc(ids, func(found string) bool { return strings.EqualFold(found, id) })
}
