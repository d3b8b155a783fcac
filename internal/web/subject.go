package web

import (
	"context"

	"postvakt/internal/auth"
	"postvakt/internal/store"
)

// about records whose data the request reads: the sending organisation of
// the shipment it shows. Its audit entries carry it as SubjectOrg, so that
// the compliance officer of that organisation sees them even when the actor
// is an unscoped admin.
func about(ctx context.Context, senderOrg string) {
	if rq := current(ctx); rq != nil {
		rq.subject = senderOrg
	}
}

// aboutOrg records that an administrative change (a unit) concerns sender
// organisation org; one of no organisation concerns no scoped officer.
// Without it an unscoped admin's change would be every organisation's
// (subjectOf). A user's or a token's changes are aboutAccess's.
func aboutOrg(ctx context.Context, org string) {
	if org == "" {
		org = subjectNone
	}
	about(ctx, org)
}

// aboutAccess records whose letters an access (a user's or a token's role
// and scope) opens: its organisation's; every organisation's when it is
// unscoped and its role sees letters; none when it sees no letters.
func aboutAccess(ctx context.Context, role, org string) { about(ctx, accessSubject(role, org)) }

// accessSubject is whose letters an access opens (aboutAccess).
func accessSubject(role, org string) string { return auth.AccessSubject(role, org) }

// subjectNone is the SubjectOrg of an entry that concerns no sender
// organisation in particular.
const subjectNone = store.SubjectNone

// subjectOf is the SubjectOrg of the request's audit entries: what about
// recorded; else the principal's own organisation; else, for an unscoped
// principal who sees letters, every organisation (store.SubjectAll); else
// none.
func subjectOf(ctx context.Context) string {
	rq := current(ctx)
	switch {
	case rq == nil:
		return ""
	case rq.subject != "":
		return rq.subject
	case rq.SenderOrg != "":
		return rq.SenderOrg
	case rq.Can(auth.ViewShipments):
		return store.SubjectAll
	}
	return ""
}
