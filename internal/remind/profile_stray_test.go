package remind_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// TestProfileStrayEntryHoldsBackNoOther: Altinn Profile answers with an
// entry that names no organisation (organizationNumber null) whenever one
// organisation is asked (its entry is broken). The organisations of the
// same batch that have no addresses (not listed) are settled by asking
// them alone: found with none and cached, not unknown run after run
// because of another organisation's entry. Only that organisation stays
// unknown. Before the fix every unlisted organisation of its batch was
// unknown in every run.
func TestProfileStrayEntryHoldsBackNoOther(t *testing.T) {
	const good, broken, empty, none1, none2 = "910753614", "974760673", "964338531", "991825827", "912345678"
	srv := httpfake.New(t, httpfake.Bearer(nfBearer))
	srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Orgs []string `json:"organizationNumbers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var entries []string
		for _, o := range q.Orgs {
			switch o {
			case good:
				entries = append(entries, `{"organizationNumber":"`+good+`","addressOrigin":"`+good+`","partyId":1,"emailList":["post@firma.no"],"mobileNumberList":[]}`)
			case empty:
				entries = append(entries, `{"organizationNumber":"`+empty+`","addressOrigin":"`+empty+`","partyId":4,"emailList":[],"mobileNumberList":[]}`)
			case broken:
				entries = append(entries, `{"organizationNumber":null,"addressOrigin":"`+broken+`","partyId":2,"emailList":["post@kommune.no"],"mobileNumberList":[]}`)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contactPointsList":[`+strings.Join(entries, ",")+`]}`)
	})
	pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
	st := storetest.Open(t)
	res := &remind.Resolver{Book: st, Profile: pr, Logger: slog.New(slog.DiscardHandler)}
	ask := []string{good, broken, empty, none1, none2}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(context.Background(), ask, now, false)
	if err != nil {
		t.Fatal(err)
	}
	for org, n := range map[string]int{good: 1, empty: 0, none1: 0, none2: 0} {
		if a, ok := got.Found[org]; !ok || len(a) != n || got.Unknown[org] {
			t.Errorf("%s: found %q (listed %v), unknown %v; want %d address(es)", org, a, ok, got.Unknown[org], n)
		}
	}
	if !got.Unknown[broken] || got.Found[broken] != nil {
		t.Errorf("%s: unknown %v, found %q; want unknown this run", broken, got.Unknown[broken], got.Found[broken])
	}
	need, err := st.OrgsNeedingLookup(context.Background(), ask, now.Add(time.Minute), 24*time.Hour)
	if err != nil || !slices.Equal(need, []string{broken}) {
		t.Errorf("to look up next run: %v %v, want only %s (the others' answers cached)", need, err, broken)
	}
}
