package remind

import (
	"reflect"
	"testing"

	"postvakt/internal/store"
)

// RouteOf: one reminder per organisation through the channel that reaches
// it. Addresses an operator gave get the e-mail (and the order beside it);
// addresses that are only Altinn Profile's go by the order alone when
// Notifications is on (the e-mail to them is its fallback), by e-mail
// when it is not.
func TestRouteOf(t *testing.T) {
	t.Parallel()
	imported := store.Addresses{Emails: []string{"post@firma.no"}}
	profile := store.Addresses{Emails: []string{"leder@firma.no"}, Profile: true}
	looked := []string{"leder@firma.no"}
	for _, c := range []struct {
		name     string
		stored   store.Addresses
		lookedUp []string
		unknown  bool
		orders   bool
		want     Routing
	}{
		{"imported, notifications on: e-mail and the order beside it", imported, nil, false, true,
			Routing{Route: RouteEmail, To: imported.Emails, OrderBeside: true}},
		{"imported, notifications off: e-mail", imported, nil, false, false,
			Routing{Route: RouteEmail, To: imported.Emails}},
		{"imported, the lookup failed: e-mail", imported, nil, true, true,
			Routing{Route: RouteEmail, To: imported.Emails, OrderBeside: true}},
		{"Profile's cached, notifications on: the order alone, e-mail its fallback", profile, nil, false, true,
			Routing{Route: RouteOrder, Fallback: profile.Emails}},
		{"Profile's cached, notifications off: e-mail", profile, nil, false, false,
			Routing{Route: RouteEmail, To: profile.Emails}},
		{"looked up this run (dry run), notifications on: the order alone", store.Addresses{}, looked, false, true,
			Routing{Route: RouteOrder, Fallback: looked}},
		{"looked up this run, notifications off: e-mail", store.Addresses{}, looked, false, false,
			Routing{Route: RouteEmail, To: looked}},
		{"Profile's stale, the refresh failed, notifications on: the order alone", profile, nil, true, true,
			Routing{Route: RouteOrder, Fallback: profile.Emails}},
		{"none, notifications on: the order alone, no fallback", store.Addresses{}, nil, false, true,
			Routing{Route: RouteOrder}},
		{"none, notifications off: no address", store.Addresses{}, nil, false, false,
			Routing{Route: RouteNoAddress}},
		{"none, the lookup failed: unknown this run", store.Addresses{}, nil, true, true,
			Routing{Route: RouteAddressUnknown}},
		{"none, the lookup failed, notifications off: unknown this run", store.Addresses{}, nil, true, false,
			Routing{Route: RouteAddressUnknown}},
		// One mailbox spelt twice (imported, and added on the Reminders
		// page) is addressed once, as its first spelling (from an
		// independent review of reminders: two RCPT TO and both in To:).
		{"imported twice in other cases: once", store.Addresses{Emails: []string{"Post@Fjordfisk.no", "post@FJORDFISK.NO", "regnskap@fjordfisk.no"}},
			nil, false, false, Routing{Route: RouteEmail, To: []string{"Post@Fjordfisk.no", "regnskap@fjordfisk.no"}}},
	} {
		if got := RouteOf(c.stored, c.lookedUp, c.unknown, c.orders); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
