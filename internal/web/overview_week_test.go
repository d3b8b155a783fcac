package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// weekFixture gives 12 letters (sent 40 to 29 days ago) escalation steps
// this week (now is a Monday noon; the week began at midnight in Oslo) and
// last week, and returns the ids of this week's letters by the overview's
// link (reminder, print, manual) and those of last week.
//
//   - reminders this week: two sent messages, listing letters 0 and 1, and
//     0 (its second reminder) and 2: 2 reminders for 3 letters; letter 4 is
//     on the first inactively (moved), letter 5 on a reminder whose outcome
//     is unknown: neither counts. Last week: one for letter 3.
//   - print orders this week: 6 (since opened: not on the unopened list)
//     and 7 (held); 9's order went to manual handling (not a print).
//     Last week: 8.
//   - manual handling this week: 9 and 10. Last week: 11.
func (e *env) weekFixture() (this map[string][]string, last []string) {
	e.t.Helper()
	ctx := context.Background()
	got := e.seed(12)
	id := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, got[i].ID)
		}
		return out
	}
	db := e.st.DB()
	lastWeek := now.Add(-3 * 24 * time.Hour) // Friday
	remind := func(key, status string, at time.Time, items ...[3]any) {
		var n int64
		if err := db.GetContext(ctx, &n, `INSERT INTO notifications (key, orgnr, status, recipients, created_at, claimed_at, sent_at, updated_at)
			VALUES ($1, '974760673', $2, '{post@fjordkraft.no}', $3, $3, CASE WHEN $2 = 'sent' THEN $3::timestamptz END, $3) RETURNING id`, key, status, at); err != nil {
			e.t.Fatal(err)
		}
		for _, it := range items {
			db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active) VALUES ($1, $2, $3, $4)`,
				n, got[it[0].(int)].ID, it[1], it[2])
		}
	}
	remind("w1", "sent", now.Add(-time.Hour), [3]any{0, 1, true}, [3]any{1, 1, true}, [3]any{4, 1, false})
	remind("w2", "sent", now.Add(-2*time.Hour), [3]any{0, 2, true}, [3]any{2, 1, true})
	remind("w3", "unknown", now.Add(-3*time.Hour), [3]any{5, 1, true})
	remind("l1", "sent", lastWeek, [3]any{3, 1, true})
	order := func(i int, state string, at time.Time) {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', false, $2, $3, $4, $4)`, got[i].ID, "k"+strconv.Itoa(i), state, at)
	}
	order(6, "queued", now.Add(-time.Hour))
	order(7, "held", now.Add(-time.Hour))
	order(9, "manual", now.Add(-time.Hour))
	order(8, "queued", lastWeek)
	db.MustExec(`UPDATE shipments SET state = 'opened' WHERE id = $1`, got[6].ID)
	for _, m := range []struct {
		i  int
		at time.Time
	}{{9, now.Add(-time.Hour)}, {10, now.Add(-11 * time.Hour)}, {11, lastWeek}} { // 10: 01:00 Oslo, this Monday
		db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'x', $2)`, got[m.i].ID, m.at)
	}
	return map[string][]string{"reminder": id(0, 1, 2), "print": id(6, 7), "manual": id(9, 10)}, id(3, 8, 11)
}

// weekLinks are the overview's week section's links by their element's id
// (week-reminders, week-prints, week-manual): the list's path, and the
// number of letters the link's text says.
func weekLinks(t *testing.T, page string) map[string][2]string {
	t.Helper()
	i, j := strings.Index(page, `<section id="week">`), strings.Index(page, `<section id="charts"`)
	if i < 0 || j < i {
		t.Fatalf("no week section:\n%s", page)
	}
	out := map[string][2]string{}
	for _, m := range regexp.MustCompile(`<dd id="(week-[a-z]+)"><a href="([^"]+)">([^<]*)</a>`).FindAllStringSubmatch(page[i:j], -1) {
		out[m[1]] = [2]string{html.UnescapeString(m[2]), m[3]}
	}
	return out
}

// listedIDs are the letters a list page shows, by their evidence links.
func listedIDs(page string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`class="evidence" href="/shipments/([^"]+)"`).FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	slices.Sort(ids)
	return ids
}

// Each of the overview's counts of the week (reminders and their letters,
// print orders, manual cases) is a link to the list of exactly the letters
// it counts: following it shows those letters, as many as the count says,
// also one opened since (every letter, not the unopened list) and one
// reminded twice once (3 letters for 2 reminders, not 4).
func TestOverviewWeekLeadsToItsLetters(t *testing.T) {
	e := newEnv(t)
	this, _ := e.weekFixture()
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/")
	links := weekLinks(t, page)
	for _, c := range []struct {
		id, step, text string
	}{{"week-reminders", "reminder", "2 messages listing 3 letters"}, {"week-prints", "print", "2"}, {"week-manual", "manual", "2"}} {
		l, ok := links[c.id]
		if !ok {
			t.Errorf("%s is not a link: %v", c.id, links)
			continue
		}
		if l[1] != c.text {
			t.Errorf("%s says %q, want %q", c.id, l[1], c.text)
		}
		u, err := url.Parse(l[0])
		if err != nil || u.Path != "/list" || u.Query().Get("step") != c.step || u.Query().Get("step_from") != "2026-11-23" {
			t.Errorf("%s links to %s, want /list with step=%s step_from=2026-11-23", c.id, l[0], c.step)
		}
		code, list := b.get(l[0])
		want := slices.Sorted(slices.Values(this[c.step]))
		if got := listedIDs(list); code != 200 || !slices.Equal(got, want) {
			t.Errorf("%s (%s): %d, lists %v, want %v", c.id, l[0], code, got, want)
		}
	}
}

// A week's link lists none of the letters escalation took the step for in
// another week (the filter is on when the step was taken; the letters were
// all sent weeks ago, so a filter on the sending would list none at all).
// The API takes the same filter, and refuses a step it does not know and
// step dates without a step.
func TestOverviewWeekListsNoOtherWeek(t *testing.T) {
	e := newEnv(t)
	this, last := e.weekFixture()
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/")
	for id, l := range weekLinks(t, page) {
		_, list := b.get(l[0])
		for _, got := range listedIDs(list) {
			if slices.Contains(last, got) {
				t.Errorf("%s (%s) lists %s, whose step was last week", id, l[0], got)
			}
		}
	}
	// Last week's through the API: step_from and step_to bound the step's date.
	tok := e.token("compliance", "964338531", "")
	code, body := e.do("GET", "/api/v1/shipments?step=print&step_from=2026-11-16&step_to=2026-11-22", tok, "")
	var ids []string
	for _, s := range body["shipments"].([]any) {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	if code != 200 || len(ids) != 1 || ids[0] != last[1] {
		t.Errorf("last week's print orders: %d %v, want only %s (not this week's %v)", code, ids, last[1], this["print"])
	}
	for _, q := range []string{"step=printed", "step_from=2026-11-16", "step=manual&step_to=22.11.2026"} {
		if code, body := e.do("GET", "/api/v1/shipments?"+q, tok, ""); code != 400 || !strings.Contains(body["error"].(string), "step") {
			t.Errorf("?%s: %d %v, want 400 naming step", q, code, body)
		}
	}
}

// The week's reminders say their letters in the plural form of their own
// count: one message listing one letter is "1 message listing 1 letter"
// (da "1 meddelelse om 1 brev"), not "1 letters" ("1 breve").
func TestOverviewWeekOneLetterIsSingular(t *testing.T) {
	e := newEnv(t)
	got := e.seed(1)
	db := e.st.DB()
	var n int64
	if err := db.Get(&n, `INSERT INTO notifications (key, orgnr, status, recipients, created_at, claimed_at, sent_at, updated_at)
		VALUES ('w1', '974760673', 'sent', '{post@fjordkraft.no}', $1, $1, $1, $1) RETURNING id`, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active) VALUES ($1, $2, 1, true)`, n, got[0].ID)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, c := range []struct{ lang, want string }{
		{"en", "1 message listing 1 letter"},
		{"da", "1 meddelelse om 1 brev"},
		{"nb", "1 melding om 1 brev"},
	} {
		_, page := b.getIn(c.lang, "/")
		if l := weekLinks(t, page)["week-reminders"]; l[1] != c.want {
			t.Errorf("%s: the week's reminders say %q, want %q", c.lang, l[1], c.want)
		}
	}
}
