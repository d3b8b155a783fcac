package remind

import (
	"strings"

	"postvakt/internal/store"
)

// Route is the way one organisation's reminder goes in a run.
type Route string

// Routes of a Routing.
const (
	// RouteEmail: by e-mail to Routing.To; where Altinn Notifications is
	// on (Routing.OrderBeside), also ordered there beside it.
	RouteEmail Route = "email"
	// RouteOrder: by an Altinn Notifications order alone, to the
	// organisation by its number (Altinn finds its notification
	// addresses, or an SMS number). With Routing.Fallback, the e-mail goes
	// to those addresses should Altinn refuse the order.
	RouteOrder Route = "order"
	// RouteNoAddress: no address, and no order can reach it: listed.
	RouteNoAddress Route = "no_address"
	// RouteAddressUnknown: none known and the lookup failed this run:
	// nothing is claimed, the next run tries again.
	RouteAddressUnknown Route = "address_unknown"
)

// Routing is how one organisation's reminder goes this run.
type Routing struct {
	Route Route
	// To are the e-mail's addresses (RouteEmail).
	To []string
	// OrderBeside: the e-mail is ordered through Altinn Notifications too
	// (RouteEmail to addresses an operator gave).
	OrderBeside bool
	// Fallback are the organisation's Altinn Profile addresses, for a
	// RouteOrder: the reminder goes to them by e-mail when Altinn refuses
	// the order (it was not placed).
	Fallback []string
}

// RouteOf is the one place that decides how an organisation's reminder
// goes: from its stored addresses (store.Addresses: imported, or Altinn
// Profile's), the addresses looked up this run and not stored (lookedUp: a
// dry run's, Profile's too), whether that lookup failed (addressUnknown),
// and whether Altinn Notifications is on for it (orders: configured, and a
// Norwegian organisation).
//
// One reminder per organisation per run, through the channel that reaches
// it:
//   - addresses an operator gave (imported, or added on the Reminders page)
//     get the e-mail, and the order goes beside it (to the people Altinn
//     knows, who may be others);
//   - addresses that are only Altinn Profile's are the very ones Altinn
//     Notifications sends to: with Notifications on the order alone goes
//     (an e-mail too would reach the same people twice), and the e-mail
//     to them is its fallback; without it, the e-mail;
//   - no address: the order alone with Notifications on, else listed as
//     without an address; when the lookup failed, nothing this run.
func RouteOf(stored store.Addresses, lookedUp []string, addressUnknown, orders bool) Routing {
	stored.Emails = distinctMailboxes(stored.Emails)
	if len(stored.Emails) > 0 && !stored.Profile {
		return Routing{Route: RouteEmail, To: stored.Emails, OrderBeside: orders}
	}
	profile := stored.Emails
	if len(profile) == 0 {
		profile = lookedUp
	}
	switch {
	case len(profile) > 0 && orders:
		return Routing{Route: RouteOrder, Fallback: profile}
	case len(profile) > 0:
		return Routing{Route: RouteEmail, To: profile}
	case addressUnknown:
		return Routing{Route: RouteAddressUnknown}
	case orders:
		return Routing{Route: RouteOrder}
	}
	return Routing{Route: RouteNoAddress}
}

// distinctMailboxes drops an address that differs from an earlier one only
// in case (Post@Fjordfisk.no beside post@fjordfisk.no, one imported and
// one added on the Reminders page): one mailbox, addressed once. The
// first spelling stays.
func distinctMailboxes(emails []string) []string {
	seen := make(map[string]bool, len(emails))
	out := emails[:0:0]
	for _, e := range emails {
		if k := strings.ToLower(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
