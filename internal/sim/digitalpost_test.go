package sim

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dpPage is the envelope as a test reads it, with the events as maps so a
// renamed field shows.
type dpPage struct {
	Events         []map[string]any `json:"events"`
	CurrentPage    int              `json:"currentPage"`
	TotalPages     int              `json:"totalPages"`
	ElementsOnPage int              `json:"elementsOnPage"`
	TotalElements  int              `json:"totalElements"`
	Next           *string          `json:"next"`
}

func (e *env) dpGet(q url.Values, auth bool) (*http.Response, []byte) {
	e.t.Helper()
	req := e.request(http.MethodGet, dpBase+"/events/?"+q.Encode(), nil, nil)
	if auth {
		req.SetBasicAuth(e.sim.opts.DigitalPostSystemID, e.sim.opts.DigitalPostAPIToken)
	}
	return e.do(req)
}

func (e *env) dpPage(q url.Values) dpPage {
	e.t.Helper()
	resp, body := e.dpGet(q, true)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("events %s: %d %s", q.Encode(), resp.StatusCode, body)
	}
	return decode[dpPage](e.t, body)
}

// dpAll reads every page of a query (oldest first).
func (e *env) dpAll(q url.Values) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	q.Set("sortFields", "created:asc")
	for page := 0; ; page++ {
		q.Set("page", itoa(page))
		p := e.dpPage(q)
		out = append(out, p.Events...)
		if page+1 >= p.TotalPages {
			return out
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func dpScenario(t *testing.T, extra string) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(`
start: "2025-03-10T09:00:00Z"
organisations: {count: 0}
shipments: {count: 0}
digitalpost:
  companies: 5
  citizens: 10
  citizen_share: 0.5
  letters: 80
  sent_from: -5d
  sent_to: -1h
  open: {chance: 0.7, delay: {min: 1h, max: 2d}}
  log:
    page_size_cap: 25
` + extra))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestDigitalPostAuth(t *testing.T) {
	e := newEnv(t, dpScenario(t, ""), 1, Options{})
	if resp, _ := e.dpGet(url.Values{}, false); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no Basic header: %d %v, want 401 with WWW-Authenticate", resp.StatusCode, resp.Header)
	}
	req := e.request(http.MethodGet, dpBase+"/events/", nil, nil)
	req.SetBasicAuth(e.sim.opts.DigitalPostSystemID, "wrong")
	if resp, _ := e.do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.dpGet(url.Values{}, true); resp.StatusCode != http.StatusOK {
		t.Errorf("right credentials: %d", resp.StatusCode)
	}
}

// TestDigitalPostEnvelope: paging with the cap, the envelope's numbers, the
// fields of each event, created after eventTime, oldest-first on request.
func TestDigitalPostEnvelope(t *testing.T) {
	e := newEnv(t, dpScenario(t, ""), 2, Options{})
	first := e.dpPage(url.Values{"size": {"1000"}, "sortFields": {"created:asc"}})
	if first.ElementsOnPage != 25 || len(first.Events) != 25 {
		t.Fatalf("size 1000 with cap 25 gave %d events (elementsOnPage %d)", len(first.Events), first.ElementsOnPage)
	}
	if first.TotalPages != (first.TotalElements+24)/25 || first.TotalElements < 200 || first.Next == nil || first.CurrentPage != 0 {
		t.Fatalf("envelope %+v", first)
	}
	all := e.dpAll(url.Values{"size": {"1000"}})
	if len(all) != first.TotalElements {
		t.Fatalf("read %d events over every page, totalElements %d", len(all), first.TotalElements)
	}
	last := e.dpPage(url.Values{"size": {"25"}, "page": {itoa(first.TotalPages - 1)}})
	if last.Next != nil {
		t.Error("the last page has a next")
	}
	var prev string
	for _, ev := range all {
		for _, f := range []string{"id", "eventId", "rootId", "eventTime", "created", "eventTag", "metaProperties", "owner", "system"} {
			if _, ok := ev[f]; !ok {
				t.Fatalf("event without %s: %v", f, ev)
			}
		}
		meta := ev["metaProperties"].(map[string]any)
		for _, f := range []string{"messageUUID", "transmissionId", "recipientID", "recipientType", "senderID", "label"} {
			if _, ok := meta[f]; !ok {
				t.Fatalf("metaProperties without %s: %v", f, meta)
			}
		}
		created, err1 := parseDPTime(ev["created"].(string))
		at, err2 := parseDPTime(ev["eventTime"].(string))
		if err1 != nil || err2 != nil || !created.After(at) {
			t.Fatalf("created %v not after eventTime %v", ev["created"], ev["eventTime"])
		}
		if c := ev["created"].(string); c < prev {
			t.Fatalf("created:asc out of order: %s after %s", c, prev)
		}
		prev = ev["created"].(string)
	}
	// Without sortFields the simulator lists newest first.
	desc := e.dpPage(url.Values{"size": {"2"}})
	if desc.Events[0]["created"].(string) < desc.Events[1]["created"].(string) {
		t.Error("default order is not newest first")
	}
}

func TestDigitalPostFilters(t *testing.T) {
	e := newEnv(t, dpScenario(t, ""), 3, Options{})
	l := e.sim.dp.letters[10]
	byLetter := e.dpAll(url.Values{"metaProperties.messageUUID": {l.uuid}, "size": {"100"}})
	if len(byLetter) != len(l.events) {
		t.Fatalf("messageUUID filter: %d events, letter has %d", len(byLetter), len(l.events))
	}
	for _, ev := range byLetter {
		if ev["metaProperties"].(map[string]any)["messageUUID"] != l.uuid {
			t.Fatalf("filter let through %v", ev)
		}
	}
	from, to := l.events[0].created, l.events[0].created.Add(time.Hour)
	win := e.dpAll(url.Values{"dateFrom": {dpTime(from)}, "dateTo": {dpTime(to)}, "size": {"100"}})
	want := 0
	for _, ev := range e.sim.dp.log {
		if !ev.created.Before(from) && !ev.created.After(to) {
			want++
		}
	}
	if len(win) != want || want == 0 {
		t.Errorf("window on created: %d events, want %d", len(win), want)
	}
	tagged := e.dpAll(url.Values{"eventTag": {dpAvailable}, "size": {"100"}})
	for _, ev := range tagged {
		if ev["eventTag"] != dpAvailable {
			t.Fatalf("eventTag filter let through %v", ev["eventTag"])
		}
	}
	if len(tagged) == 0 {
		t.Error("no MEMO_AVAILABLE_TO_RECIPIENT at all")
	}
	for _, bad := range []url.Values{{"dateFrom": {"yesterday"}}, {"page": {"-1"}}, {"size": {"0"}},
		{"metaProperties.messageUUDI": {l.uuid}}, {"sortFields": {"label:asc"}}} {
		if resp, body := e.dpGet(bad, true); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad.Encode(), resp.StatusCode, body)
		}
	}
	// The numeric-offset reading of yyyy-MM-ddTHH:mm:ss.SSSZ is accepted too.
	if resp, _ := e.dpGet(url.Values{"dateFrom": {"2025-03-01T00:00:00.000+0000"}}, true); resp.StatusCode != http.StatusOK {
		t.Errorf("+0000 offset: %d", resp.StatusCode)
	}
}

// TestDigitalPostLateAndDuplicate: a late event is missing from a window
// read before it became visible and present when read again; a duplicate
// is listed twice.
func TestDigitalPostLateAndDuplicate(t *testing.T) {
	sc := dpScenario(t, "")
	sc.DigitalPost.Log.LateChance, sc.DigitalPost.Log.DuplicateChance = 0.2, 0.2
	sc.DigitalPost.SentTo = TimeRef{set: true}
	e := newEnv(t, sc, 4, Options{})
	var late *dpEvent
	for _, ev := range e.sim.dp.log {
		if ev.visible.After(ev.created) && ev.created.Before(e.sim.Now().Add(-time.Hour)) {
			late = ev
			break
		}
	}
	if late == nil {
		t.Fatal("no late event")
	}
	q := url.Values{"metaProperties.messageUUID": {late.letter.uuid}, "size": {"100"}}
	has := func() bool {
		for _, ev := range e.dpAll(q) {
			if ev["id"] == late.id {
				return true
			}
		}
		return false
	}
	e.sim.SetNow(late.created.Add(time.Millisecond))
	if has() {
		t.Error("late event listed before it became visible")
	}
	e.sim.SetNow(late.visible)
	if !has() {
		t.Error("late event not listed once visible")
	}
	e.sim.SetNow(testStart)
	all := e.dpAll(url.Values{"size": {"1000"}})
	seen := map[string]int{}
	for _, ev := range all {
		if id, ok := ev["id"].(string); ok {
			seen[id]++
		}
	}
	dups := 0
	for _, n := range seen {
		if n == 2 {
			dups++
		}
	}
	if dups == 0 {
		t.Error("no duplicate listed")
	}
}

// TestCopenhagenIncidents: about half of the letters validated in the
// outage stay at MEMO_SEND_VALIDATED; some are re-delivered after it; the
// sender system SEPO's letters since its drop began have no event at all,
// whichever unit sent them (the route "BUF – sikker mail (SEPO)" sends only
// through it; the forvaltninger a tenth of their letters); /sim/shipments
// marks them and names every letter's system.
func TestCopenhagenIncidents(t *testing.T) {
	e := newEnv(t, loadScenario(t, "copenhagen"), 1, Options{})
	start := e.sim.Start()
	ofrom, oto := start.Add(-10*24*time.Hour), start.Add(-5*24*time.Hour)
	dropFrom := start.Add(-4 * 24 * time.Hour)
	var inWindow, stuck, redelivered, lost, sepo, sepoUnits int
	units := map[string]bool{}
	recs := map[string]ShipmentRecord{}
	for _, r := range e.sim.ShipmentsWithStatus() {
		recs[r.ChannelID] = r
	}
	for _, l := range e.sim.dp.letters {
		r := recs[l.uuid]
		if r.Incident != l.incident || r.Channel != "digitalpost" || r.SenderOrg != "64942212" || r.SenderSystem != l.system {
			t.Fatalf("record %+v does not match letter (incident %q, system %q)", r, l.incident, l.system)
		}
		switch {
		case l.unit == "BUF – sikker mail (SEPO)" && l.system != "SEPO", l.system != "SEPO" && l.system != "Sagssystem":
			t.Fatalf("a letter of %s registered by %q", l.unit, l.system)
		case l.system == "SEPO":
			sepo++
			if l.unit != "BUF – sikker mail (SEPO)" {
				sepoUnits++
			}
		}
		if l.system == "SEPO" && !l.sent.Before(dropFrom) {
			if len(l.events) != 0 || l.incident != IncidentNeverArrived {
				t.Fatalf("SEPO's letter of %s has %d events, incident %q", l.sent, len(l.events), l.incident)
			}
			lost++
			units[l.unit] = true
			continue
		}
		var validated time.Time
		for _, ev := range l.events {
			if ev.tag == dpValidated || ev.tag == dpDelayedSent {
				validated = ev.at
			}
		}
		if validated.IsZero() || validated.Before(ofrom) || !validated.Before(oto) {
			if l.incident != "" {
				t.Fatalf("letter validated %s outside the outage has incident %q", validated, l.incident)
			}
			continue
		}
		inWindow++
		switch l.incident {
		case IncidentProviderOutage:
			stuck++
			if last := l.events[len(l.events)-1].tag; last != dpValidated && last != dpDelayedSent && last != dpSimUnknown {
				t.Fatalf("outage letter ends with %s", last)
			}
			if r.Status != dpValidated && r.Status != dpDelayedSent && r.Status != dpSimUnknown {
				t.Fatalf("outage letter's status %q", r.Status)
			}
		case IncidentRedelivered:
			redelivered++
			for _, ev := range l.events {
				if ev.tag == dpAvailable && ev.at.Before(oto) {
					t.Fatalf("re-delivered letter available during the outage")
				}
			}
			if r.Status == dpAvailable {
				t.Fatalf("a letter re-delivered before the start: the re-delivery lies ahead")
			}
		}
	}
	caught := stuck + redelivered
	if inWindow < 100 || caught < inWindow*35/100 || caught > inWindow*65/100 {
		t.Errorf("%d of %d letters in the outage caught, want about half", caught, inWindow)
	}
	if redelivered == 0 || redelivered > caught/2 {
		t.Errorf("%d of %d caught letters re-delivered, want some (about a fifth)", redelivered, caught)
	}
	if lost < 50 || len(units) < 5 || sepoUnits*100 < (len(e.sim.dp.letters)-sepo)*5 {
		t.Errorf("%d of SEPO's letters lost, from %d units; %d of SEPO's letters from the forvaltninger", lost, len(units), sepoUnits)
	}
	// Nothing SEPO lost is in the log.
	for _, ev := range e.dpAll(url.Values{"size": {"500"}}) {
		m := ev["metaProperties"].(map[string]any)
		if r, ok := recs[m["messageUUID"].(string)]; ok && r.Incident == IncidentNeverArrived {
			t.Fatal("an event of a letter that never reached Digital Post")
		}
	}
}

func TestDemoHasDanishLetters(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{})
	kinds := map[string]int{}
	for _, r := range e.sim.Shipments() {
		if r.Channel == "digitalpost" {
			kinds[r.Recipient.Kind]++
			if len(r.Recipient.ID) != map[string]int{"org": 8, "person": 10}[r.Recipient.Kind] {
				t.Errorf("Danish recipient %+v", r.Recipient)
			}
			if r.Recipient.Kind == "org" && e.sim.w.cvr[r.Recipient.ID] == nil {
				t.Errorf("the CVR does not know the receiving company %s", r.Recipient.ID)
			}
		}
	}
	if kinds["org"] == 0 || kinds["person"] == 0 {
		t.Errorf("Danish letters by kind: %v", kinds)
	}
	env := strings.Join(e.sim.Env("http://x"), "\n")
	for _, want := range []string{"POSTVAKT_DIGITALPOST_URL=http://x/apis/v1", "POSTVAKT_DIGITALPOST_SYSTEM_ID=" + e.sim.opts.DigitalPostSystemID,
		"POSTVAKT_DIGITALPOST_API_TOKEN=" + e.sim.opts.DigitalPostAPIToken} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	b := newEnv(t, loadScenario(t, "bergen"), 1, Options{})
	if strings.Contains(strings.Join(b.sim.Env("http://x"), "\n"), "DIGITALPOST") {
		t.Error("a scenario without Danish letters points postvakt at Digital Post")
	}
}

// TestDigitalPostMutualTLS: over TLS the log wants a client certificate.
func TestDigitalPostMutualTLS(t *testing.T) {
	certs, err := DigitalPostCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(dpScenario(t, ""), 1, NewManualClock(testStart), Options{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.TLS, err = certs.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	defer srv.Close()
	get := func(withCert bool) int {
		cfg := &tls.Config{RootCAs: x509.NewCertPool()}
		cfg.RootCAs.AppendCertsFromPEM(certs.CAPEM)
		if withCert {
			c, err := tls.LoadX509KeyPair(certs.ClientCertFile, certs.ClientKeyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{c}
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+dpBase+"/events/", nil)
		req.SetBasicAuth(s.opts.DigitalPostSystemID, s.opts.DigitalPostAPIToken)
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(false); got != http.StatusForbidden {
		t.Errorf("TLS without a client certificate: %d, want 403", got)
	}
	if got := get(true); got != http.StatusOK {
		t.Errorf("TLS with the client certificate: %d", got)
	}
}
