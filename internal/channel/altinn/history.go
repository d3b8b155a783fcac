package altinn

// What a details answer says over time: its current status, when the
// letter was sent, and when it entered its state, from the top-level
// status and the statusHistory.

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// sentAt is when the correspondence was sent: its created time (required
// by the OpenAPI document), or, where that is null or absent, when it was
// published, asked to be published, or its first history entry.
func sentAt(doc detailsDoc, hist []statusEvent) time.Time {
	for _, t := range []time.Time{doc.Created.Time, doc.Published.Time, doc.RequestedPublish.Time} {
		if !t.IsZero() {
			return t
		}
	}
	var first time.Time
	for _, e := range hist {
		if t := e.StatusChanged.Time; !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// currentStatus picks the correspondence's status. The top-level status is
// Altinn's own answer: the highest status reached, not counting Fetched (so
// a Fetched after Read does not make a read letter look unread). Only when
// it is missing is statusHistory used: its latest entry by statusChanged,
// Fetched only if nothing else is there.
func currentStatus(doc detailsDoc, hist []statusEvent) (string, time.Time, error) {
	if status := string(doc.Status); status != "" {
		if doc.StatusChanged.bad != "" {
			return status, time.Time{}, fmt.Errorf("%w: statusChanged %s is not a date-time", channel.ErrBadTimestamp, doc.StatusChanged.bad)
		}
		if !doc.StatusChanged.IsZero() {
			return status, doc.StatusChanged.Time, nil
		}
		var at time.Time
		for _, e := range hist {
			if e.Status == status && e.StatusChanged.After(at) {
				at = e.StatusChanged.Time
			}
		}
		return status, at, nil
	}
	var best *statusEvent
	for i := range hist {
		e := &hist[i]
		if e.Status == "" {
			continue
		}
		switch {
		case best == nil,
			best.Status == "Fetched" && e.Status != "Fetched",
			(best.Status == "Fetched") == (e.Status == "Fetched") && e.StatusChanged.After(best.StatusChanged.Time):
			best = e
		}
	}
	if best == nil {
		return "", time.Time{}, errors.New("no status and no status history")
	}
	return best.Status, best.StatusChanged.Time, nil
}

// withRead is the history with the top-level "read" (Altinn's time of the
// first Read, CorrespondenceOverviewExt.Read, null until then) as one more
// Read entry, when the history has no Read at or before it: the letter was
// read, whatever the history shown to the sender leaves out. A "read" that
// is not a date-time says nothing, and nor does one more than a day before
// the letter was created (1970, an epoch placeholder): it would make an
// unread letter opened.
func withRead(hist []statusEvent, read, created flexTime) []statusEvent {
	if read.IsZero() || !created.IsZero() && read.Before(created.Add(-24*time.Hour)) {
		return hist
	}
	if first, ok := firstRead(hist); ok && !first.IsZero() && !first.After(read.Time) {
		return hist
	}
	return append(slices.Clip(hist), statusEvent{Status: "Read", StatusText: "read", StatusChanged: flexTime{Time: read.Time}})
}

// publishedAfterReserved: Reserved (10) outranks Published (2) as the
// top-level status, yet a correspondence initialised as Reserved (its
// person recipient reserved against digital post in KRR) is still
// published when, at its publish time, KRR no longer says so
// (PublishCorrespondenceHandler in altinn-correspondence asks again, and
// fails it, Failed (11), when KRR still does). The notification goes out
// with the publishing. Published after the last Reserved in the history so
// makes the letter available since then, not failed: the top-level
// Reserved stays only for outranking it. (readInHistory then makes it
// opened when it was read.)
func publishedAfterReserved(o *channel.Observation, hist []statusEvent) {
	if o.Status != "Reserved" {
		return
	}
	var reserved, published time.Time
	for _, e := range hist {
		if e.Status == "Reserved" && e.StatusChanged.After(reserved) {
			reserved = e.StatusChanged.Time
		}
	}
	for _, e := range hist {
		t := e.StatusChanged.Time
		if e.Status == "Published" && !t.IsZero() && !t.Before(reserved) && (published.IsZero() || t.Before(published)) {
			published = t
		}
	}
	if published.IsZero() {
		return
	}
	m := statuses["Published"]
	o.State, o.Disposition, o.KeepState = m.State, m.Disposition, m.Keep
	if o.ChangedAt.Before(published) {
		o.ChangedAt = published
	}
}

// purgedInHistory: a purge in the history closes the letter as a top-level
// purge does (expired, closed: no reminder, no print), whatever status
// outranks it at the top. Failed (11) and Reserved (10) outrank
// PurgedByAltinn (8) and PurgedByRecipient (7) (GetHighestStatus in
// altinn-correspondence), and a sender may purge a Failed correspondence
// (IsPurgeableForSender): one its sender withdrew so comes as Failed with
// PurgedByAltinn in its history, and is not to be printed. The
// observation is dated by the purge when that is later; a letter opened,
// or read in its history (readInHistory, after), stays opened, closed.
// (Today's Altinn leaves the purges out of the history it shows the
// sender: such a letter then reads as failed still.)
func purgedInHistory(o *channel.Observation, hist []statusEvent) {
	if o.Disposition != channel.DispositionNone {
		return
	}
	var purge *statusEvent
	for i := range hist {
		e := &hist[i]
		if m, ok := statuses[e.Status]; ok && m.State == model.StateExpired && m.Disposition == channel.DispositionClosed &&
			(purge == nil || e.StatusChanged.After(purge.StatusChanged.Time)) {
			purge = e
		}
	}
	if purge == nil {
		return
	}
	m := statuses[purge.Status]
	o.Disposition = m.Disposition
	if o.State != model.StateOpened {
		o.State, o.KeepState = m.State, m.Keep
	}
	if o.ChangedAt.Before(purge.StatusChanged.Time) {
		o.ChangedAt = purge.StatusChanged.Time
	}
}

// readInHistory: a letter its history shows read is opened, whatever the
// top-level status says. Altinn's top-level status is the highest it holds
// by number, not the latest (GetHighestStatus in altinn-correspondence),
// and PurgedByRecipient (7) and PurgedByAltinn (8) outrank Read (4),
// Replied (5) and Confirmed (6), while the history it shows the sender
// leaves the purges out. A letter read and then deleted by its recipient
// so comes as PurgedByRecipient with Read in its history: it was opened
// (entered dates it by its first Read), and being gone still closes it.
//
// A top-level status that says less than the history, Fetched or
// Published after a Read (an Altinn or a fake naming the latest entry, not
// the highest the notes describe), does not undo the reading either: the
// letter is opened, and gets no reminder and no print; when the top-level
// status is dated before the first reading (Published), the observation
// is dated by the reading.
//
// So too for Reserved (10) and Failed (11), which outrank Read as well: a
// correspondence to a recipient reserved against digital post is still
// shown to that recipient (IsAvailableForRecipient in altinn-correspondence
// lists Reserved) and can be fetched and marked read, and then stays
// Reserved at the top with Read in its history and "read" set. It was
// opened, and needs no paper.
func readInHistory(o *channel.Observation, hist []statusEvent) {
	if o.State == model.StateOpened || o.State == model.StateRejected {
		return
	}
	first, read := firstRead(hist)
	if !read {
		return
	}
	o.State = model.StateOpened
	if o.ChangedAt.Before(first) {
		o.ChangedAt = first
	}
}

// firstRead reports whether the history has an entry that means opened,
// and the time of the first such entry that has one.
func firstRead(hist []statusEvent) (first time.Time, read bool) {
	for _, e := range hist {
		if m, ok := statuses[e.Status]; ok && m.State == model.StateOpened {
			read = true
			if t := e.StatusChanged.Time; !t.IsZero() && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
	}
	return first, read
}

// entered dates the observation by the history, as the evidence must: its
// state began at the first entry that maps to that state (EnteredAt:
// Confirmed two hours after Read, opened since the Read), and a letter
// available or opened became available at the first entry that means
// either (AvailableAt: Published hours before Read). ChangedAt stays the
// top-level statusChanged, the latest status's time.
func entered(o *channel.Observation, hist []statusEvent) {
	delivered := func(s model.State) bool { return s == model.StateAvailable || s == model.StateOpened }
	since := o.ChangedAt
	for _, e := range hist {
		m, ok := statuses[e.Status]
		if !ok || e.StatusChanged.IsZero() {
			continue
		}
		t := e.StatusChanged.Time
		if m.State == o.State && (since.IsZero() || t.Before(since)) {
			since = t
		}
		if delivered(o.State) && delivered(m.State) && (o.AvailableAt.IsZero() || t.Before(o.AvailableAt)) {
			o.AvailableAt = t
		}
	}
	if since.Before(o.ChangedAt) || o.ChangedAt.IsZero() {
		o.EnteredAt = since
	}
	if !o.AvailableAt.Before(since) {
		o.AvailableAt = time.Time{} // nothing earlier than the state's own time
	}
}
