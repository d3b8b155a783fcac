package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
)

// factsStore answers OpenShipmentsByIDs from its map (the rest of Store is
// not asked).
type factsStore struct {
	Store
	facts map[string]store.OpenShipment
}

func (f factsStore) OpenShipmentsByIDs(_ context.Context, ids []string) (map[string]store.OpenShipment, error) {
	out := map[string]store.OpenShipment{}
	for _, id := range ids {
		if sh, ok := f.facts[id]; ok {
			out[id] = sh
		}
	}
	return out, nil
}

// TestNextStepsLogOnce: a page whose letters' next steps cannot be said
// (here three without a start time: policy.Plan refuses them) shows none
// for them and the others' steps, and logs it once for the page, naming
// what it is, how many letters, the first of them (in the page's order)
// and its error, not a line per letter (before: three lines).
func TestNextStepsLogOnce(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	facts := map[string]store.OpenShipment{}
	var ids []string
	for i := range 4 {
		id := fmt.Sprintf("0190a000-0000-7000-8000-%012d", i)
		sh := store.OpenShipment{ID: id, Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
			RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAvailable, Stage: model.StageNone}
		if i == 2 {
			sh.SentAt = now.Add(-time.Hour) // the one letter with a start time
		}
		facts[id], ids = sh, append(ids, id)
	}
	var logs bytes.Buffer
	s := New(factsStore{facts: facts}, slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return now },
		WithPolicies(policytest.Shipped(t)))
	next, err := s.nextSteps(context.Background(), ids, "a list page")
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || next[ids[2]] == nil || next[ids[2]].Step != "reminder" {
		t.Errorf("next steps %v, want only the third letter's (a reminder)", next)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "a list page") || !strings.Contains(lines[0], "letters=3") ||
		!strings.Contains(lines[0], "first_shipment="+ids[0]) || !strings.Contains(lines[0], "error=") {
		t.Errorf("logged %q; want one error line for the page: letters=3, the first letter, its error", logs.String())
	}
}
