package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

// alertFor fires a stuck alert about the unit's letters sent in the 60
// days before now (as the health evaluation would).
func (e *env) alertFor(unit string) store.Alert {
	e.t.Helper()
	sel := store.IncidentFilter{Scope: store.Scope{SenderOrg: "964338531"}, Channel: "svarut", Unit: unit,
		States: []model.State{model.StateRegistered, model.StateAccepted}, From: now.AddDate(0, 0, -60), To: now}
	n, err := e.st.CountIncident(context.Background(), sel)
	if err != nil {
		e.t.Fatal(err)
	}
	fired, err := e.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "stuck",
		Labels: store.Labels{"channel": "svarut", "sender": "964338531", "unit": unit}, Severity: "critical",
		Affected: n, Summary: fmt.Sprintf("%d letters of %s not delivered", n, unit), Selector: sel}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return fired[0]
}

func TestAlertsAPIAndPages(t *testing.T) {
	e := newEnv(t)
	e.seed(12)
	a := e.alertFor("NAV")
	if a.Affected != 6 {
		t.Fatalf("the alert has %d letters, want NAV's 6", a.Affected)
	}
	// GET /api/v1/alerts: admin, compliance and operations.
	for _, tc := range []struct {
		role string
		want int
	}{{"operations", 200}, {"compliance", 200}, {"admin", 200}, {"unit", 403}} {
		org, unit := "", ""
		if tc.role == "unit" {
			org, unit = "964338531", "NAV"
		}
		code, body := e.do("GET", "/api/v1/alerts", e.token(tc.role, org, unit), "")
		if code != tc.want {
			t.Fatalf("%s: %d %v", tc.role, code, body)
		}
		if code != 200 {
			continue
		}
		as, _ := body["alerts"].([]any)
		if len(as) != 1 {
			t.Fatalf("%s: alerts %v", tc.role, body)
		}
		got := as[0].(map[string]any)
		labels, _ := got["labels"].(map[string]any)
		if got["rule"] != "stuck" || got["status"] != "firing" || got["affected"] != float64(6) || labels["unit"] != "NAV" ||
			got["started_at"] == nil || got["resolved_at"] != nil {
			t.Fatalf("%s: alert %v", tc.role, got)
		}
	}
	if code, _ := e.do("GET", "/api/v1/alerts", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", code)
	}

	ops := e.loggedIn("ops", "operations", "", "")
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	eva := e.loggedIn("eva", "compliance", "974760673", "")
	alertPath := fmt.Sprintf("/alerts/%d", a.ID)

	// Operations sees the alert, never a letter.
	code, page := ops.get(alertPath)
	if code != 200 || !strings.Contains(page, "unit=NAV") || strings.Contains(page, `id="letters"`) || strings.Contains(page, "ch-") {
		t.Fatalf("operations on the alert page: %d\n%s", code, page)
	}
	if code, page := ops.get("/alerts"); code != 200 || !strings.Contains(page, alertPath) {
		t.Fatalf("operations on /alerts: %d", code)
	}
	// The compliance officer sees its letters per unit and state, audited.
	code, page = kari.get(alertPath)
	if code != 200 || !strings.Contains(page, `id="letters"`) || strings.Count(page, `<a href="/shipments/`) != 6 ||
		!strings.Contains(page, "<td>NAV</td><td class=\"num\">6</td>") || strings.Contains(page, "Vedtak om tiltak") ||
		strings.Contains(page, "01017012343") {
		t.Fatalf("compliance on the alert page: %d\n%s", code, page)
	}
	if !e.audited("user:kari", "view_incident", "alert ") {
		t.Fatal("the alert's letters were shown without an audit entry")
	}
	// Another organisation's officer does not see the alert (it names a
	// unit and counts its letters), nor in the list.
	if code, page := eva.get(alertPath); code != http.StatusNotFound || strings.Contains(page, "NAV") {
		t.Fatalf("another organisation on the alert page: %d", code)
	}
	if code, page := eva.get("/alerts"); code != 200 || strings.Contains(page, alertPath) {
		t.Fatalf("another organisation on /alerts: %d", code)
	}

	// Exports of the alert's letters, through the UI and the API.
	code, csvText := kari.get("/incidents/export?alert=" + fmt.Sprint(a.ID) + "&format=csv")
	if code != 200 || strings.Count(csvText, "\n") != 7 || strings.Contains(csvText, "Vedtak") {
		t.Fatalf("CSV export: %d %s", code, csvText)
	}
	if !e.audited("user:kari", "export", "unit=NAV") {
		t.Fatal("the export was not audited")
	}
	tok := e.token("compliance", "964338531", "")
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}, "unit": {"NAV"},
		"state": {"registered,accepted"}}
	code, doc := e.get("/api/v1/incidents/report?"+q.Encode(), tok)
	if code != 200 {
		t.Fatalf("API report: %d %s", code, doc)
	}
	var report struct {
		Summary []struct {
			Unit   string         `json:"sender_unit"`
			States map[string]int `json:"states"`
			Total  int            `json:"total"`
		} `json:"summary"`
		Letters []map[string]string `json:"letters"`
	}
	if err := json.Unmarshal([]byte(doc), &report); err != nil || len(report.Letters) != 6 || len(report.Summary) != 1 ||
		report.Summary[0].States["registered"] != 6 {
		t.Fatalf("API report %s: %v", doc, err)
	}
	for path, want := range map[string]int{
		"/api/v1/incidents/report?" + q.Encode():                           200,
		"/api/v1/incidents/report?unit=NAV":                                400, // no period
		"/api/v1/incidents/report?" + q.Encode() + "&state=lost":           400,
		"/api/v1/incidents/report?alert=" + fmt.Sprint(a.ID):               200,
		"/api/v1/incidents/report?alert=" + fmt.Sprint(a.ID) + "&format=x": 400,
		// A filter mistyped, given twice, or beside an alert would be
		// ignored: the whole report as if filtered.
		"/api/v1/incidents/report?" + q.Encode() + "&sender_unit=NAV":                      400,
		"/api/v1/incidents/report?" + q.Encode() + "&states=opened":                        400,
		"/api/v1/incidents/report?" + q.Encode() + "&channel=svarut&channel=altinn":        400,
		"/api/v1/incidents/report?" + q.Encode() + "&unit=Barnevernstjenesten":             400,
		"/api/v1/incidents/report?" + q.Encode() + "&state=accepted":                       200, // state is a list
		"/api/v1/incidents/report?alert=" + fmt.Sprint(a.ID) + "&unit=Barnevernstjenesten": 400,
	} {
		if code, body := e.get(path, tok); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
	if code, _ := e.get("/api/v1/incidents/report?"+q.Encode(), e.token("operations", "", "")); code != 403 {
		t.Errorf("operations got an incident report: %d", code)
	}
	// Another organisation's alert is not there for it (as on /alerts/{id}):
	// the answer of an alert that does not exist.
	if code, body := e.get("/api/v1/incidents/report?alert="+fmt.Sprint(a.ID), e.token("compliance", "974760673", "")); code != 400 || !strings.Contains(body, "alert") {
		t.Errorf("another organisation got the alert's letters: %d %s", code, body)
	}

	// The unit records follow-ups for all of the alert's letters at once.
	_, page = kari.get(alertPath)
	form := url.Values{"csrf": {csrf(page)}, "alert": {fmt.Sprint(a.ID)}, "decision": {store.DecisionNewLetter}, "days": {"14"},
		"note": {"skrives på nytt"}}
	code, loc, body := kari.post("/incidents/followups", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, alertPath+"?recorded=6") {
		t.Fatalf("follow-ups: %d %s %s", code, loc, body)
	}
	fus, err := e.st.FollowUps(context.Background(), store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, true, 100)
	if err != nil || len(fus) != 6 || fus[0].Decision == nil || *fus[0].Decision != store.DecisionNewLetter ||
		!fus[0].Deadline.Equal(now.AddDate(0, 0, 14)) {
		t.Fatalf("follow-ups %+v %v", fus, err)
	}
	if code, page := kari.get(alertPath + "?recorded=6"); code != 200 || strings.Count(page, "new letter written (deadline 2026-12-07)") != 6 ||
		!strings.Contains(page, "Follow-ups recorded for 6 letters.") {
		t.Fatalf("the alert page after the follow-ups: %d\n%s", code, page)
	}
	if code, _, _ := kari.post("/incidents/followups", url.Values{"csrf": {csrf(page)}, "alert": {fmt.Sprint(a.ID)},
		"decision": {store.DecisionResent}}); code != http.StatusBadRequest {
		t.Fatalf("a resend for all letters: %d", code)
	}
	if code, _, _ := ops.post("/incidents/followups", form); code != http.StatusForbidden {
		t.Fatalf("operations recorded follow-ups: %d", code)
	}
}

func TestIncidentFormPage(t *testing.T) {
	e := newEnv(t)
	e.seed(8)
	nav := e.loggedIn("ola", "unit", "964338531", "NAV")
	if code, page := nav.get("/incidents"); code != 200 || !strings.Contains(page, `id="incident-form"`) {
		t.Fatalf("form: %d", code)
	}
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}
	code, page := nav.get("/incidents?" + q.Encode())
	// The unit sees only its own four letters.
	if code != 200 || strings.Count(page, `<a href="/shipments/`) != 4 || !strings.Contains(page, "<h2>4 letters</h2>") {
		t.Fatalf("unit's report: %d\n%s", code, page)
	}
	q.Set("unit", "Barnevernstjenesten")
	if code, _ := nav.get("/incidents?" + q.Encode()); code != http.StatusForbidden {
		t.Fatalf("a unit asking for another unit's report: %d", code)
	}
}

func TestReadyAndOperations(t *testing.T) {
	e := newEnv(t)
	if code, body := e.get("/readyz", ""); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	if err := e.st.RecordChannelCalls(context.Background(), store.ChannelCalls{Channel: "svarut", At: now.Add(-10 * time.Minute),
		Calls: 4, Errors: 1, Latency: 2 * time.Second, MaxLatency: time.Second, Changes: 3, LastChange: now.Add(-11 * time.Minute),
		LastError: "svarut POST status-sok: HTTP 503"}); err != nil {
		t.Fatal(err)
	}
	e.seed(3)
	ops := e.loggedIn("ops", "operations", "", "")
	code, page := ops.get("/ops")
	row := page[strings.Index(page, `id="channel-svarut"`):]
	row = row[:strings.Index(row, "</tr>")]
	if code != 200 || !strings.Contains(row, `<td class="num">4</td><td class="num">1</td>`) ||
		!strings.Contains(row, `<td class="num">3</td>`) { // three registered letters, all due
		t.Fatalf("/ops: %d\n%s", code, row)
	}
	// The channel is named as on every other page (the channel registry's
	// display name), not by its code.
	if !strings.Contains(row, "<td>KS SvarUt</td>") || strings.Contains(row, "<td>svarut</td>") {
		t.Errorf("/ops names the channel by its code, want its display name:\n%s", row)
	}
	// Durations as people say them in the page's language (the calls' 2 s
	// over 4: 500 ms; the slowest 1 s; the lag of letters due), never Go's
	// "500ms" or "1h0m0s".
	if !strings.Contains(row, "500 milliseconds / 1 second") || regexp.MustCompile(`\d(h|m|µs|ms|s)\d*`).MatchString(row) {
		t.Errorf("/ops latencies and lag, want them said in words:\n%s", row)
	}
	if strings.Contains(page, "01017012343") || strings.Contains(page, "Vedtak") {
		t.Fatal("personal data on the operations page")
	}
	// A database behind this binary's migrations is not ready.
	if _, err := e.st.DB().Exec(`UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if code, body := e.get("/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "migrations pending") {
		t.Fatalf("/readyz behind the migrations: %d %s", code, body)
	}
	if code, _ := e.get("/healthz", ""); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	// A database that takes no writes (a standby after a failover) is not
	// ready either: every job's claim would fail.
	if _, err := e.st.DB().Exec(`UPDATE goose_db_version SET is_applied = true`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.DB().Exec(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	e.st.DB().SetMaxIdleConns(0) // new sessions, which read the setting
	if code, body := e.get("/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "read-only") {
		t.Fatalf("/readyz on a read-only database: %d %s", code, body)
	}
}

// get does a GET with a bearer token (none when empty) and returns the
// status and body.
func (e *env) get(path, token string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// lazyAlerts reads the firing alerts from the env's store once it exists.
type lazyAlerts struct{ e **env }

func (l lazyAlerts) FiringAlerts(ctx context.Context) ([]store.Alert, error) {
	return (*l.e).st.FiringAlerts(ctx)
}

// The overview shows the firing, unmuted health alerts.
func TestOverviewShowsAlerts(t *testing.T) {
	var e *env
	e = newEnvWith(t, web.WithAlerts(web.StoreAlerts(lazyAlerts{&e})))
	e.seed(4)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	if _, page := b.get("/"); !strings.Contains(page, "No alert is firing.") {
		t.Fatalf("overview without alerts:\n%s", page)
	}
	a := e.alertFor("NAV")
	_, page := b.get("/")
	// Each alert leads to its own page (the report of its letters), as on
	// /alerts: the overview is where an officer first sees it.
	link := fmt.Sprintf(`<a href="/alerts/%d"><strong>Letters stuck (stuck)</strong></a> · KS SvarUt`, a.ID)
	if !strings.Contains(page, link) || !strings.Contains(page, a.Summary) {
		t.Fatalf("overview with a firing alert, want %s:\n%s", link, page)
	}
	if code, _ := b.get(fmt.Sprintf("/alerts/%d", a.ID)); code != http.StatusOK {
		t.Errorf("the alert's page linked from the overview: %d", code)
	}
	// A unit user, whom the access matrix does not let see alerts (/alerts
	// answers 403), does not see them on the overview either.
	u := e.loggedIn("ola", "unit", "974760673", "BUF")
	if code, _ := u.get("/alerts"); code != http.StatusForbidden {
		t.Fatalf("a unit user's /alerts: %d", code)
	}
	if code, page := u.get("/"); code != http.StatusOK || strings.Contains(page, a.Summary) || strings.Contains(page, "<strong>Letters stuck (stuck)</strong>") {
		t.Fatalf("a unit user's overview shows the alert (%d):\n%s", code, page)
	}
	// Nor is it told that none is firing (a unit's manager read "No alert
	// is firing" while an organisation never opened the unit's letters):
	// the overview says the role does not see them.
	if _, page := u.get("/"); strings.Contains(page, "No alert is firing.") || !strings.Contains(page, `id="alerts-not-yours"`) {
		t.Errorf("a unit user's overview, with an alert firing, says no alert is firing or not that its role sees none:\n%s", page)
	}
}
