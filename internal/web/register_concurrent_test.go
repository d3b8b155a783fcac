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
