package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestKeptAlertAsOf: an alert kept firing without its condition
// (keep_firing_for: the last evaluation, at now, did not find it; it last
// held ten minutes before) shows its letters on its page, in /alerts and
// on the operations page as of when its condition last held, and says why
// on its page; its incident report below counts the letters of now. An
// alert whose condition held at the last evaluation says nothing of the
// kind (before: "6" as if current, beside a report of other figures).
func TestKeptAlertAsOf(t *testing.T) {
	e := newEnv(t)
	e.seed(12)
	held := now.Add(-10 * time.Minute)
	a := e.alertFor("NAV") // fired and held at now
	kept := e.alertFor("Barnevernstjenesten")
	// Fired and last held at held; the evaluation at now kept it.
	kept.HeldAt, kept.UpdatedAt = &held, now
	if _, err := e.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: now, Update: []store.Alert{kept}}); err != nil {
		t.Fatal(err)
	}
	const asOf = "(as of 2026-11-23 12:50)" // Oslo time
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := kari.get(fmt.Sprintf("/alerts/%d", kept.ID))
	page = html.UnescapeString(page)
	for _, w := range []string{`<dd id="affected">6 ` + asOf + `</dd>`, `<span id="kept">(kept firing: its condition has not held since 2026-11-23 12:50;`} {
		if !strings.Contains(page, w) {
			t.Errorf("the kept alert's page lacks %q:\n%.600s", w, page[max(0, strings.Index(page, `id="status"`)):])
		}
	}
	_, page = kari.get(fmt.Sprintf("/alerts/%d", a.ID))
	if page = html.UnescapeString(page); !strings.Contains(page, `<dd id="affected">6</dd>`) || strings.Contains(page, `id="kept"`) {
		t.Errorf("the held alert's page says it is kept or its letters are as of earlier:\n%.600s", page[max(0, strings.Index(page, `id="status"`)):])
	}
	ops := e.loggedIn("ops", "operations", "", "")
	for _, path := range []string{"/alerts", "/ops"} {
		_, page := ops.get(path)
		if page = html.UnescapeString(page); strings.Count(page, asOf) != 1 {
			t.Errorf("%s says %q %d times, want once (the kept alert's letters)", path, asOf, strings.Count(page, asOf))
		}
	}

	// GET /api/v1/alerts: affected as before, with when it was counted
	// (RFC 3339 UTC): the kept alert's when its condition last held.
	code, body := e.get("/api/v1/alerts", e.token("operations", "", ""))
	var got struct {
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/alerts: %d %v %.300s", code, err, body)
	}
	want := map[float64]string{float64(kept.ID): held.UTC().Format(time.RFC3339), float64(a.ID): now.UTC().Format(time.RFC3339)}
	for _, al := range got.Alerts {
		id, _ := al["id"].(float64)
		if at, ok := al["affected_as_of"].(string); !ok || at != want[id] || al["affected"] != float64(6) {
			t.Errorf("alert %v: affected %v, affected_as_of %v; want 6 as of %s", id, al["affected"], al["affected_as_of"], want[id])
		}
	}
	if len(got.Alerts) != 2 {
		t.Errorf("GET /api/v1/alerts: %d alerts, want 2", len(got.Alerts))
	}
}
