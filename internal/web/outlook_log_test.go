package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// startless is a store whose letters' escalation facts have no start time:
// policy.Plan refuses them, so their outlook cannot be said.
type startless struct{ *store.Store }

func (s startless) OpenShipmentByID(ctx context.Context, id string) (*store.OpenShipment, error) {
	sh, err := s.Store.OpenShipmentByID(ctx, id)
	if sh != nil {
		sh.SentAt = time.Time{}
	}
	return sh, err
}

// TestOutlookFailureLoggedOnce: GET /api/v1/shipments/{id} and the
// letter's page, for a letter whose outlook cannot be said, answer without
// an outlook or a next step and log it once each (before: twice, the
// outlook and the next step each reckoned and logged it).
func TestOutlookFailureLoggedOnce(t *testing.T) {
	st := storetest.Open(t)
	logs := &logtest.Buffer{}
	srv := httptest.NewServer(web.New(startless{st}, slog.New(slog.NewTextHandler(logs, nil)), func() time.Time { return now },
		web.WithPolicies(policytest.Shipped(t))))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, st: st, log: &logtest.Buffer{}}
	waiting, _ := outlookLetters(t, e)
	const line = `msg="cannot explain a shipment's escalation"`

	code, body := e.do("GET", "/api/v1/shipments/"+waiting.ID, e.token("unit", "964338531", "NAV"), "")
	if _, ok := body["outlook"]; code != http.StatusOK || ok || body["next_step"] != nil {
		t.Errorf("GET the letter: %d, outlook %v, next step %v; want 200 with neither", code, body["outlook"], body["next_step"])
	}
	api := strings.Count(logs.String(), line)
	if api != 1 || !strings.Contains(logs.String(), "shipment="+waiting.ID) {
		t.Errorf("GET the letter logged the failure %d times, want once naming the letter:\n%s", api, logs)
	}

	b := e.loggedIn("nils", "unit", "964338531", "NAV")
	if code, _ := b.get("/shipments/" + waiting.ID); code != http.StatusOK {
		t.Fatalf("the letter's page: %d", code)
	}
	if n := strings.Count(logs.String(), line) - api; n != 1 {
		t.Errorf("the letter's page logged the failure %d times, want once:\n%s", n, logs)
	}
}
