package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/calendar"
	"postvakt/internal/escalate"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// After "Add address" on /reminders the page says so at once: the address
// is saved and the reminder that waited goes out with the next escalation
// run (the notification stays no_address until that run), and the row
// shows the address as added and not sent yet, without the form that asks
// for one again.
func TestAddedAddressShowsAsPending(t *testing.T) {
	_, off := waitingForAddress(t)
	_, page := off.get("/reminders")
	if !strings.Contains(page, "add-contact") || strings.Contains(page, `id="address-added"`) {
		t.Fatalf("before: the row should ask for an address, nothing confirmed:\n%s", page)
	}
	code, loc, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"910859897"}, "email": {"post@mottaker.example"}})
	if code != http.StatusSeeOther {
		t.Fatalf("add address: %d %.300s", code, body)
	}
	code, page = off.get(loc)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, code)
	}
	if !strings.Contains(page, `id="address-added"`) || !strings.Contains(page, "Address saved for 910859897 (post@mottaker.example)") ||
		!strings.Contains(page, "next escalation run") {
		t.Errorf("no confirmation after adding the address:\n%s", page)
	}
	row := page[strings.Index(page, `<tr class="reminder no_address">`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "address added (post@mottaker.example), not sent yet") || strings.Contains(row, "add-contact") ||
		strings.Contains(row, ">no address<") {
		t.Errorf("the row should show the address as pending, without the form:\n%s", row)
	}
	// The confirmation is the page's own: ?added= for an organisation
	// without an address says nothing.
	if _, page = off.get("/reminders?added=974760673"); strings.Contains(page, `id="address-added"`) {
		t.Error("confirmation shown for an organisation that has no address")
	}
}

// After "Add address", the confirmation and the row say when the reminder
// that waited goes out, on the pages' clock (Oslo) in the reader's
// language: with the escalation's schedule (serve's, every quarter hour)
// and every send window open, at the next run, 13:15 on 2026-11-23 (the
// clock is 13:00 there); when a policy's window (03:00–04:00 here) is
// closed at that run, between it and the first run inside the window,
// 03:00 the next day, never at the next run alone; an @every schedule,
// whose runs count from the process's start, and a server that does not
// know the schedule name no time.
func TestAddedAddressSaysWhenItGoesOut(t *testing.T) {
	night := &policy.Policy{Name: "night", SendWindow: &policy.SendWindow{From: 3 * 60, To: 4 * 60, Location: calendar.Oslo}}
	runs := func(spec string, set *policy.Set) *escalate.Runs {
		r, err := escalate.NewRuns(spec, set)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	clock := regexp.MustCompile(`\d\d:\d\d \(\d{4}-\d\d-\d\d\)`)
	for _, tc := range []struct {
		name      string
		opts      []web.Option
		lang      string
		said, row string // "" for none
		not       string
	}{
		{"open window, nb", []web.Option{web.WithEscalationRuns(runs("*/15 * * * *", nil))}, "nb",
			"sendes ved neste eskaleringskjøring, kl. 13:15 (2026-11-23).", "sendes ved neste eskaleringskjøring, kl. 13:15 (2026-11-23)", ""},
		{"open window, da", []web.Option{web.WithEscalationRuns(runs("*/15 * * * *", policy.NewSet()))}, "da",
			"sendes ved næste eskaleringskørsel, kl. 13:15 (2026-11-23).", "sendes ved næste eskaleringskørsel, kl. 13:15 (2026-11-23)", ""},
		{"closed window, en", []web.Option{web.WithEscalationRuns(runs("*/15 * * * *", policy.NewSet(night)))}, "en",
			"between 13:15 (2026-11-23) (the next run, outside the window of a policy) and 03:00 (2026-11-24).",
			"sent by the first escalation run in its send window, between 13:15 (2026-11-23) and 03:00 (2026-11-24)",
			"goes out with the next escalation run, at"},
		{"@every", []web.Option{web.WithEscalationRuns(runs("@every 15m", nil))}, "en", "", "", ""},
		{"schedule not known", nil, "en", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, off := waitingForAddress(t, tc.opts...)
			_, page := off.getIn(tc.lang, "/reminders")
			code, loc, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"910859897"}, "email": {"post@mottaker.example"}})
			if code != http.StatusSeeOther {
				t.Fatalf("add address: %d %.300s", code, body)
			}
			_, page = off.getIn(tc.lang, loc)
			i := strings.Index(page, `id="address-added"`)
			if i < 0 {
				t.Fatalf("no confirmation:\n%s", page)
			}
			said := page[i:]
			said = said[:strings.Index(said, "</p>")]
			row := page[strings.Index(page, `<tr class="reminder no_address">`):]
			row = row[:strings.Index(row, "</tr>")]
			if tc.said == "" {
				if clock.MatchString(said) || clock.MatchString(row) {
					t.Errorf("a time is promised without a known schedule:\n%s\n%s", said, row)
				}
				if !strings.Contains(said, "next escalation run inside the policy&#39;s send window") {
					t.Errorf("the confirmation should say the reminder goes out with the next run in the window:\n%s", said)
				}
				return
			}
			if !strings.Contains(said, tc.said) {
				t.Errorf("the confirmation does not say %q:\n%s", tc.said, said)
			}
			if !strings.Contains(row, tc.row) {
				t.Errorf("the row does not say %q:\n%s", tc.row, row)
			}
			if tc.not != "" && strings.Contains(said, tc.not) {
				t.Errorf("the confirmation promises the next run (%q) while a window is closed then:\n%s", tc.not, said)
			}
		})
	}
}

// TestAddedAddressIsCheckedAsAnImportedOne: the address added on the
// Reminders page passes the check an imported one does (README, contacts
// import: plain ASCII, a dotted domain): an address with æøå or without a
// dotted domain is refused with the import's message (400) and not saved,
// where the reminder would have gone with an 8-bit RCPT TO and To: header.
// The refusal is the Reminders page again, the organisation's form filled
// in with what was typed, the problem announced and tied to the field (an
// error page lost the address typed, to be typed again from nothing).
func TestAddedAddressIsCheckedAsAnImportedOne(t *testing.T) {
	for email, want := range map[string]string{
		"post@bærum.kommune.no": "outside ASCII",
		"pøst@firma.no":         "outside ASCII",
		"post@localhost":        "not a plain e-mail address",
	} {
		t.Run(email, func(t *testing.T) {
			e, off := waitingForAddress(t)
			_, page := off.get("/reminders")
			code, _, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"910859897"}, "email": {email}})
			if code != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("POST /contacts email=%q: %d, want 400 saying %q: %.300s", email, code, want, body)
			}
			i := strings.Index(body, `<tr class="reminder no_address">`)
			if i < 0 {
				t.Fatalf("the refusal is not the Reminders page with the organisation's row:\n%s", body)
			}
			row := body[i:]
			row = row[:strings.Index(row, "</tr>")]
			if !strings.Contains(row, `value="`+html.EscapeString(email)+`"`) || !strings.Contains(row, `aria-invalid="true" aria-describedby="contact-err"`) ||
				!regexp.MustCompile(`<p class="error" id="contact-err" role="alert">e-mail address: [^<]*`+want).MatchString(row) {
				t.Errorf("the row's form should come back filled in with %q, the problem announced and tied to it:\n%s", email, row)
			}
			var n int
			if err := e.st.DB().QueryRow(`SELECT count(*) FROM org_contacts WHERE email = $1`, email).Scan(&n); err != nil || n != 0 {
				t.Errorf("%q saved (%d rows, %v)", email, n, err)
			}
		})
	}
}

// TestRefusedAddressWithoutItsRow: an address refused for an organisation
// whose form the page no longer shows (its reminder settled meanwhile, or
// an administrator's form for one that waits for none) is still said,
// at the top of the page, not a 400 with nothing on it.
func TestRefusedAddressWithoutItsRow(t *testing.T) {
	e, _ := waitingForAddress(t)
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/reminders")
	code, _, body := root.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"974760673"}, "email": {"post@localhost"}})
	if code != http.StatusBadRequest || !regexp.MustCompile(`<p class="error" id="contact-err" role="alert">e-mail address: [^<]*not a plain e-mail address`).MatchString(body) {
		t.Errorf("POST /contacts for an organisation without its row: %d, want 400 saying the problem:\n%s", code, body)
	}
}

// waitingForAddress is a server (with opts) whose organisation 910859897
// waits for an address: its reminder claimed no_address; and org A's
// compliance officer logged in.
func waitingForAddress(t *testing.T, opts ...web.Option) (*env, *browser) {
	t.Helper()
	e := newEnvWith(t, opts...)
	a, _ := e.seedTwoOrgs()
	res, err := e.st.ClaimNotification(context.Background(), store.Claim{Org: "910859897", Now: now,
		Items: []model.ReminderItem{{ShipmentID: a.ID, Reminder: 1}}})
	if err != nil || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("no-address reminder: %+v %v", res, err)
	}
	return e, e.loggedIn("a-officer", "compliance", orgA, "")
}

// At municipal scale more than a thousand reminders wait (Bergen: 162
// businesses without the access role; a back-fill's organisations without
// an address): an officer adds an address for, or settles, one however far
// down the list it stands, and finds it on /reminders with ?org=; the page
// says when it shows only the first rows.
func TestRemindersBeyondTheFirstThousand(t *testing.T) {
	e := newEnvWith(t)
	ctx := context.Background()
	orgs := storetest.OrgNumbers(1002)
	items := make([]model.NewShipment, len(orgs))
	for i, org := range orgs {
		items[i] = storetest.Letter(i)
		items[i].RecipientID = org
	}
	ships := storetest.Register(t, e.st, items...)
	for i, sh := range ships {
		res, err := e.st.ClaimNotification(ctx, store.Claim{Org: orgs[i], Now: now, Items: []model.ReminderItem{{ShipmentID: sh.ID, Reminder: 1}}})
		if err != nil || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
			t.Fatalf("no-address reminder %d: %+v %v", i, res, err)
		}
	}
	off := e.loggedIn("a-officer", "compliance", orgA, "")
	_, page := off.get("/reminders")
	if !strings.Contains(page, `id="reminders-capped"`) || strings.Count(page, `<tr class="reminder no_address">`) != 500 {
		t.Errorf("the page should show 500 rows and say so: %d rows", strings.Count(page, `<tr class="reminder no_address">`))
	}
	last := orgs[len(orgs)-1]
	code, loc, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {last}, "email": {"post@sist.example"}})
	if code != http.StatusSeeOther {
		t.Fatalf("add an address for the 1002nd organisation: %d %.300s", code, body)
	}
	if _, page = off.get(loc); !strings.Contains(page, "Address saved for "+last) {
		t.Errorf("no confirmation for %s", last)
	}
	_, page = off.get("/reminders?org=" + last)
	if n := strings.Count(page, `<tr class="reminder no_address">`); n != 1 || !strings.Contains(page, "address added (post@sist.example)") ||
		strings.Contains(page, `id="reminders-capped"`) {
		t.Errorf("?org=%s: %d rows, want its one, pending", last, n)
	}
}
