package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Two workers of a sending system register overlapping batches at once,
// one in the other's order (a retry from a queue that re-sorts, two
// replicas of an integration). Registering is idempotent, so each is
// answered 201 or 200, never a deadlock's 500 (from an independent review
// of the sender API).
func TestRegisterOverlappingBatchesAtOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	item := func(i int) string {
		return fmt.Sprintf(`{"channel":"svarut","channel_id":"%08x-0000-4000-8000-000000000abc","sender_org":"964338531",
 "sender_unit":"Barnevernstjenesten","recipient":{"kind":"org","id":"%s"},
 "title":"Vedtak","confidential":true,"class":"taushetsbelagt","sent_at":"2026-11-20T10:00:00+01:00"}`, i, []string{"974760673", "971526920"}[i%2])
	}
	const n = 300
	for round := 0; round < 4; round++ {
		fwd, rev := make([]string, n), make([]string, n)
		for i := 0; i < n; i++ {
			fwd[i] = item(round*n + i)
			rev[n-1-i] = item(round*n + i)
		}
		bodies := []string{"[" + strings.Join(fwd, ",") + "]", "[" + strings.Join(rev, ",") + "]"}
		var wg sync.WaitGroup
		codes := make([]int, len(bodies))
		outs := make([]map[string]any, len(bodies))
		for k := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[k], outs[k] = e.do("POST", "/api/v1/shipments", tok, bodies[k])
			}()
		}
		wg.Wait()
		for k := range codes {
			if codes[k] != http.StatusCreated && codes[k] != http.StatusOK {
				t.Errorf("round %d request %d: %d %v, want 201 or 200", round, k, codes[k], outs[k])
			}
		}
	}
	var stored int
	if err := e.st.DB().Get(&stored, `SELECT count(*) FROM shipments`); err != nil || stored != 4*n {
		t.Fatalf("%d letters stored (%v), want %d", stored, err, 4*n)
	}
}

// A letter filed under another unit of the same organisation (a back-fill's
// discover with --sender-unit, an earlier import), registered again by the
// sending system with its own unit, is the letter stored, as the CSV import
// takes it; to a unit's token it is another unit's, 409 naming sender_unit
// (from an independent review of the sender API).
func TestRegisterLetterOfAnotherUnit(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, role, org, unit string
		code                  int
	}{
		{"admin", "admin", "", "", http.StatusOK},
		{"organisation's compliance", "compliance", "964338531", "", http.StatusOK},
		{"the unit's own token", "unit", "964338531", "Barnevernstjenesten", http.StatusConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("b0000000-0000-4000-8000-%012d", len(tc.name))
			first := strings.Replace(strings.Replace(good, "d6b23522-ddf3-462a-8140-16e59e1f476d", id, 1), "Barnevernstjenesten", "Ukjent enhet", 1)
			if code, out := e.do("POST", "/api/v1/shipments", e.token("admin", "", ""), first); code != http.StatusCreated {
				t.Fatal(code, out)
			}
			again := strings.Replace(good, "d6b23522-ddf3-462a-8140-16e59e1f476d", id, 1)
			code, out := e.do("POST", "/api/v1/shipments", e.token(tc.role, tc.org, tc.unit), again)
			if code != tc.code {
				t.Fatalf("the same letter with its real unit: %d %v, want %d", code, out, tc.code)
			}
			if code == http.StatusConflict && !strings.Contains(fmt.Sprint(out), "field:sender_unit") {
				t.Errorf("409 names no sender_unit: %v", out)
			}
			var unit string
			if err := e.st.DB().Get(&unit, `SELECT u.name FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id WHERE s.channel_id = $1`, id); err != nil || unit != "Ukjent enhet" {
				t.Errorf("stored under %q (%v), want it as it stands", unit, err)
			}
		})
	}
}
