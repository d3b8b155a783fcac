package main_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/policy"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestHealthAndIncidentReportCommands: a unit whose letters never reached
// SvarUt two days ago. After registering and polling (poll --once --now),
// `health --once --dry-run` prints the alert and records nothing; `health
// --once` records it and posts it to the webhook once, however often it
// runs; `report incident` lists exactly its letters; once the unit has
// decided on them, `health --once` prints RESOLVED.
func TestHealthAndIncidentReportCommands(t *testing.T) {
	base, err := os.ReadFile("../../internal/sim/scenarios/dropped.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scenario := strings.Replace(string(base), "    from: 0s\n    to: 1d\n", "    from: -2d\n    to: -1d\n", 1)
	scenario = strings.Replace(scenario, "  sent_to: 3d\n", "  sent_to: 0s\n", 1)
	srv, simVars := serveScenario(t, simtest.Parse(t, scenario), 1, time.Now().UTC().Add(-time.Minute).Truncate(time.Second),
		sim.Options{NoFaults: true})
	s := srv.Sim
	hook, sent := alertWebhook(t)
	db := pgtest.New(t)
	env := append(simVars, "DATABASE_URL="+db,
		"POSTVAKT_POLICIES=../../policies", "POSTVAKT_ALERT_WEBHOOK_URL="+hook.URL)

	// The sender system's letters, and the simulator's truth.
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(strings.Split(sim.CSVHeader, ","))
	lost := 0
	for _, r := range s.Shipments() {
		cw.Write(r.CSV())
		if r.Incident == sim.IncidentUnitLost {
			lost++
		}
	}
	cw.Flush()
	file := filepath.Join(t.TempDir(), "letters.csv")
	os.WriteFile(file, buf.Bytes(), 0o644)
	if out, stderr, code := runEnv(t, env, "import", file); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	now := s.Now().Add(2 * time.Minute).Format(time.RFC3339)
	if out, stderr, code := runEnv(t, env, "poll", "--once", "--now", now); code != 0 || !strings.Contains(out, "svarut: polled=") {
		t.Fatalf("poll --once --now: %d %s %s", code, out, stderr)
	}
	// The unit by its id, never its name (the output goes to cron's log).
	st := storetest.OpenURL(t, db)
	unitID, err := st.UnitID(context.Background(), "964338531", "Sosialtjenesten")
	if err != nil || unitID == 0 {
		t.Fatalf("the unit's id: %d %v", unitID, err)
	}
	want := fmt.Sprintf("FIRING rule=stuck severity=critical channel=svarut sender=964338531 unit_id=%d affected=%d\n", unitID, lost)
	out, stderr, code := runEnv(t, env, "health", "--once", "--now", now, "--dry-run")
	if code != 0 || out != want || !strings.Contains(stderr, "would send to webhook: [postvakt] FIRING stuck: 1 alert") {
		t.Fatalf("health --dry-run: exit %d\n%s\nwant %s\n%s", code, out, want, stderr)
	}
	if as, _ := st.FiringAlerts(context.Background()); len(as) != 0 || len(sent()) != 0 {
		t.Fatalf("a dry run recorded %d alerts and sent %d", len(as), len(sent()))
	}
	for range 2 {
		out, stderr, code = runEnv(t, env, "health", "--once", "--now", now)
		if code != 0 || out != want {
			t.Fatalf("health --once: exit %d\n%s\nwant %s\n%s", code, out, want, stderr)
		}
	}
	if p := sent(); len(p) != 1 || !strings.Contains(p[0], `"version":"4"`) || !strings.Contains(p[0], `"alertname":"stuck"`) ||
		!strings.Contains(p[0], fmt.Sprintf(`"unit_id":"%d"`, unitID)) || strings.Contains(p[0], "Sosialtjenesten") {
		t.Fatalf("webhook posts (the unit by its id, never its name): %v", p)
	}

	// The incident report: exactly the unit's lost letters, audited.
	out, stderr, code = runEnv(t, env, "report", "incident", "--from", s.Now().Add(-3*24*time.Hour).Format(time.RFC3339),
		"--to", now, "--unit", "Sosialtjenesten", "--state", "registered", "--format", "json")
	var rep struct {
		Letters []map[string]string `json:"letters"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Letters) != lost ||
		!regexp.MustCompile(`964338531 Sosialtjenesten: \d+ \(registered=\d+\)`).MatchString(stderr) {
		t.Fatalf("report incident: exit %d, %d letters (want %d)\n%s", code, len(rep.Letters), lost, stderr)
	}
	if strings.Contains(out, "title") {
		t.Fatal("a title in the incident report")
	}
	var audits int
	st.DB().Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'export' AND object LIKE 'incident %unit=Sosialtjenesten%'`)
	if audits != 1 {
		t.Fatalf("%d audit entries for the export", audits)
	}
	if _, _, code := runEnv(t, env, "report", "incident", "--from", now, "--format", "json"); code != 2 {
		t.Fatalf("report incident without --to: exit %d", code)
	}

	// The unit decides on every letter: resolved.
	as, _ := st.FiringAlerts(context.Background())
	if _, err := st.RecordIncidentFollowUps(context.Background(), store.IncidentFollowUps{Filter: as[0].Selector,
		Decision: store.DecisionNewLetter, Deadline: time.Now().Add(240 * time.Hour), Actor: "user:kari", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The alert is kept firing, as last seen, for keep_firing_for after
	// its condition last held; then it resolves.
	out, _, code = runEnv(t, env, "health", "--once", "--now", now)
	if code != 0 || out != want {
		t.Fatalf("just after the follow-ups (keep_firing_for): exit %d\n%s", code, out)
	}
	later := s.Now().Add(2*time.Minute + policy.DefaultKeepFiringFor).Format(time.RFC3339)
	out, _, code = runEnv(t, env, "health", "--once", "--now", later)
	if code != 0 || out != strings.Replace(want, "FIRING", "RESOLVED", 1) {
		t.Fatalf("after the follow-ups: exit %d\n%s", code, out)
	}
	if p := sent(); len(p) != 2 || !strings.Contains(p[1], `"status":"resolved"`) {
		t.Fatalf("webhook posts: %d", len(p))
	}
}

// alertWebhook is a receiver of the alert webhook's posts for a test: its
// server, closed when the test ends, and the bodies posted so far.
func alertWebhook(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var posts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	return hook, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), posts...)
	}
}

// TestServeEvaluatesHealth: serve evaluates the health rules on
// POSTVAKT_HEALTH_SCHEDULE, once cluster-wide, posts what fires to the
// webhook once, and shows it at /api/v1/alerts and in /metrics; /readyz
// says ready; /rules shows the policies and health rules serve loaded.
func TestServeEvaluatesHealth(t *testing.T) {
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	stuckLetters(t, st)
	hook, sent := alertWebhook(t)
	token := newToken(t, db, "prometheus", "operations")

	addr, cmd, logs := startServe(t, db, "POSTVAKT_HEALTH_SCHEDULE=@every 1s", "POSTVAKT_ALERT_WEBHOOK_URL="+hook.URL)
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	get := func(path string) (int, string) { return getWithToken(t, addr, token, path) }
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get("/api/v1/alerts")
		if code == 200 && strings.Contains(body, `"rule":"stuck"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stuck alert from serve's health job: %d %s\n%s", code, body, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // a few more evaluations
	if n := len(sent()); n != 1 {
		t.Fatalf("%d webhook posts after several evaluations, want 1", n)
	}
	// The unit by its id, never its name, in the webhook and the metric.
	unitID, err := st.UnitID(context.Background(), "964338531", "Barnevernstjenesten")
	if err != nil || unitID == 0 {
		t.Fatalf("the unit's id: %d %v", unitID, err)
	}
	if p := sent()[0]; !strings.Contains(p, fmt.Sprintf(`"unit_id":"%d"`, unitID)) || strings.Contains(p, "Barnevernstjenesten") {
		t.Fatalf("the webhook post names the unit, or not by its id:\n%s", p)
	}
	_, metrics := get("/metrics")
	if strings.Contains(metrics, "Barnevernstjenesten") {
		t.Fatalf("/metrics names the unit:\n%s", metrics)
	}
	if !strings.Contains(metrics, fmt.Sprintf(`postvakt_health_alert_firing{channel="svarut",rule="stuck",system="",unit_id="%d"} 1`, unitID)) ||
		!strings.Contains(metrics, `go_sql_in_use_connections{db_name="postvakt"}`) {
		t.Fatalf("/metrics lacks the firing alert:\n%s", metrics)
	}
	// The requests' own pool (POSTVAKT_STATEMENT_TIMEOUT) beside the jobs'.
	if !strings.Contains(metrics, `go_sql_max_open_connections{db_name="postvakt_requests"} 10`) {
		t.Fatalf("/metrics lacks the requests' pool:\n%s", metrics)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	// The rules page shows what serve runs with: the policy folder's
	// policies and health.yaml's rules (stuck: 10 letters or more).
	code, rules := get("/rules")
	for _, want := range []string{`id="policy-default"`, `id="policy-barnevern"`, "As health.yaml sets them", `id="health-stuck"`, "10 or more"} {
		if code != 200 || !strings.Contains(rules, want) {
			t.Errorf("serve's /rules: %d, lacks %q", code, want)
		}
	}
	if strings.Contains(logs.String(), "HEMMELIG") {
		t.Fatal("a title in serve's log")
	}
}

// stuckLetters stores twelve letters SvarUt accepted two days ago and never
// delivered, while it keeps changing other letters: the stuck rule fires.
func stuckLetters(t *testing.T, st *store.Store) {
	t.Helper()
	var items []model.NewShipment
	for i := range 12 {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("stuck-%02d", i), SenderOrg: "964338531",
			SenderUnit: "Barnevernstjenesten", RecipientKind: model.RecipientOrg, RecipientID: "974760673", Title: "HEMMELIG",
			Confidential: true, Class: "taushetsbelagt", SentAt: time.Now().Add(-48 * time.Hour)})
	}
	if _, _, err := st.Register(context.Background(), items, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, st, nil, storetest.State(model.StateAccepted), storetest.NoPoll())
	if err := st.RecordChannelCalls(context.Background(), store.ChannelCalls{Channel: "svarut", At: time.Now(), Calls: 1,
		LastChange: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}
