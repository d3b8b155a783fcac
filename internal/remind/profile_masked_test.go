package remind_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/logtest"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// TestProfileUnreadableEntryMasked: an Altinn Profile entry whose
// organizationNumber is neither a string nor a number is quoted in the
// organisation's error, which the address lookup logs. A national id in it
// (a person's id where the organisation's should be) is masked there, and
// one the quote's end would cut is left out whole: never logged as sent.
func TestProfileUnreadableEntryMasked(t *testing.T) {
	const org, fnr = "974760673", "01029400470"
	for _, c := range []struct{ name, number string }{
		{"in an array", `["` + fnr + `"]`},
		{"in an object", `{"personIdentifier":"` + fnr + `"}`},
		{"with a separator", `{"id":"010294 00470"}`},
		{"cut by the quote's end", `{"organisationOfThePersonNamed":"` + fnr + `"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httpfake.New(t, httpfake.Bearer(nfBearer))
			srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"contactPointsList":[{"organizationNumber":`+c.number+`,"partyId":2,"emailList":["post@kommune.no"],"mobileNumberList":[]}]}`)
			})
			pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
			logger, logs := logtest.New()
			res := &remind.Resolver{Book: storetest.Open(t), Profile: pr, Logger: logger}
			got, err := res.Resolve(context.Background(), []string{org}, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), false)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Unknown[org] {
				t.Fatalf("%s: unknown %v, found %q; want unknown this run", org, got.Unknown[org], got.Found[org])
			}
			out := logs.String()
			if !strings.Contains(out, "is not an organisation number") {
				t.Fatalf("the entry's error is not logged:\n%s", out)
			}
			for _, leak := range []string{"0102940", "00470"} {
				if strings.Contains(out, leak) {
					t.Errorf("the log carries the national id (%s) unmasked:\n%s", leak, out)
				}
			}
		})
	}
}
