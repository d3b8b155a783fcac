package sim

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// altinnScenario is a world with more than 1000 Altinn shipments, to see
// the search cap.
func altinnScenario(t *testing.T) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(`
name: altinn-many
organisations: {count: 30, open: {chance: 0.5, delay: 1h}}
shipments: {count: 1500, sent_from: -30d, sent_to: 0s, channels: {altinn: 1}, confidential_share: 1}
delivery: {fail_chance: 0.1, reserved_share: 0.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestAltinnSearch(t *testing.T) {
	e := newEnv(t, altinnScenario(t), 4, Options{})
	tok := e.token()
	search := func(q url.Values) (int, []string) {
		resp, data := e.do(e.request(http.MethodGet, altinnBase+"?"+q.Encode(), nil, bearer(tok)))
		if resp.StatusCode != 200 {
			return resp.StatusCode, nil
		}
		return 200, decode[map[string][]string](t, data)["ids"]
	}
	res := e.sim.opts.ResourceID
	all := e.sim.w.altinn // newest first
	code, ids := search(url.Values{"resourceId": {res}, "role": {"Sender"}})
	if code != 200 || len(ids) != altinnMaxSearch {
		t.Fatalf("unfiltered: %d, %d ids; want the newest %d", code, len(ids), altinnMaxSearch)
	}
	for i, id := range ids {
		if id != all[i].id {
			t.Fatalf("id %d is %s, want %s (newest first)", i, id, all[i].id)
		}
	}
	from, to := testStart.Add(-10*24*time.Hour), testStart.Add(-5*24*time.Hour)
	_, ids = search(url.Values{"resourceId": {res}, "role": {"Sender"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}})
	want := 0
	for _, sh := range all {
		if sh.sent.After(from) && sh.sent.Before(to) { // exclusive bounds, as the service
			want++
		}
	}
	if len(ids) != want || want == 0 {
		t.Errorf("window: %d ids, want %d", len(ids), want)
	}
	for _, id := range ids {
		if sh := e.sim.w.byID[id]; sh.sent.Before(from) || sh.sent.After(to) {
			t.Errorf("%s sent %s outside the window", id, sh.sent)
		}
	}
	// Exclusive bounds: a correspondence exactly on from or to is not listed.
	edge := all[len(all)/2]
	for _, q := range []url.Values{
		{"from": {altinnTime(edge.sent)}, "to": {altinnTime(edge.sent.Add(time.Hour))}},
		{"from": {altinnTime(edge.sent.Add(-time.Hour))}, "to": {altinnTime(edge.sent)}},
	} {
		q.Set("resourceId", res)
		q.Set("role", "Sender")
		if _, ids := search(q); slices.Contains(ids, edge.id) {
			t.Errorf("%v lists the correspondence on its edge", q)
		}
	}
	q := url.Values{"resourceId": {res}, "role": {"Sender"}, "from": {altinnTime(edge.sent.Add(-time.Millisecond))}, "to": {altinnTime(edge.sent.Add(time.Millisecond))}}
	if _, ids := search(q); !slices.Contains(ids, edge.id) {
		t.Errorf("a window around the correspondence does not list it")
	}
	_, ids = search(url.Values{"resourceId": {res}, "role": {"Sender"}, "status": {"Reserved"}})
	if len(ids) == 0 {
		t.Error("no Reserved correspondence found")
	}
	for _, id := range ids {
		if _, ok := hasStatus(e.sim.w.byID[id], alReserved); !ok {
			t.Errorf("%s has not been Reserved", id)
		}
	}
	if _, ids = search(url.Values{"resourceId": {"other-resource"}, "role": {"Sender"}}); len(ids) != 0 {
		t.Errorf("another resource answered %d ids", len(ids))
	}
	if code, _ = search(url.Values{"role": {"Sender"}}); code != http.StatusBadRequest {
		t.Errorf("without resourceId: %d", code)
	}
	if code, _ = search(url.Values{"resourceId": {res}, "from": {"yesterday"}}); code != http.StatusBadRequest {
		t.Errorf("bad from: %d", code)
	}
}

func TestAltinnDetailsTimeline(t *testing.T) {
	e := newEnv(t, altinnScenario(t), 4, Options{})
	tok := e.token()
	sh := e.findShipment(func(s *shipment) bool {
		at, ok := hasStatus(s, alRead)
		return ok && at.After(testStart)
	})
	readAt, _ := hasStatus(sh, alRead)
	get := func() (int, correspondenceDetails) {
		resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok)))
		if resp.StatusCode != 200 {
			return resp.StatusCode, correspondenceDetails{}
		}
		return 200, decode[correspondenceDetails](t, data)
	}
	e.sim.SetNow(readAt.Add(-time.Millisecond))
	_, before := get()
	e.sim.SetNow(readAt)
	_, after := get()
	if before.Status == alRead || after.Status != alRead || !after.IsConfidential {
		t.Fatalf("before %s, after %s (confidential %v)", before.Status, after.Status, after.IsConfidential)
	}
	if n := len(after.StatusHistory); n != len(before.StatusHistory)+1 || after.StatusHistory[n-1].Status != alRead {
		t.Fatalf("history before %v after %v", before.StatusHistory, after.StatusHistory)
	}
	if after.Published == nil || after.Recipient == "" || after.Read == nil || *after.Read != altinnTime(readAt) || before.Read != nil {
		t.Errorf("published %v recipient %q read %v (before %v)", after.Published, after.Recipient, after.Read, before.Read)
	}
	e.sim.SetNow(sh.sent.Add(-time.Second))
	if code, _ := get(); code != http.StatusNotFound {
		t.Errorf("before sending: %d", code)
	}
}
