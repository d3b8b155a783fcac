package altinn

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestSentAtWithoutCreated: a details answer whose created is null or
// absent still dates the letter found (discovery registers none without a
// sending time): by published, else requestedPublishTime, else its first
// history entry; created wins when it is there.
func TestSentAtWithoutCreated(t *testing.T) {
	hist := `[{"status":"Initialized","statusText":"x","statusChanged":"2025-03-01T08:00:00+00:00"},{"status":"Published","statusText":"x","statusChanged":"2025-03-01T09:00:00+00:00"}]`
	for _, c := range []struct {
		fields string
		want   time.Time
	}{
		{`"created":"2025-03-01T07:00:00+00:00","published":"2025-03-01T09:00:00+00:00",`, time.Date(2025, 3, 1, 7, 0, 0, 0, time.UTC)},
		{`"created":null,"published":"2025-03-01T09:00:00+00:00","requestedPublishTime":"2025-03-01T08:30:00+00:00",`, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)},
		{`"requestedPublishTime":"2025-03-01T08:30:00+00:00",`, time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)},
		{``, time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)},
	} {
		f := newNFAltinn(t)
		f.srv.Script(func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"correspondenceId":%q,"resourceId":%q,"sender":%q,"sendersReference":"ref",%s
				"recipient":"urn:altinn:organization:identifier-no:910753614","status":"Published","statusChanged":"2025-03-01T09:00:00+00:00","statusHistory":%s}`,
				nfID(1), nfResource, nfSender, c.fields, hist)
			return true
		})
		d, err := nfAdapter(t, f).details(context.Background(), nfID(1))
		if err != nil || d.obs.Err != nil || !d.found.SentAt.Equal(c.want) {
			t.Errorf("%s: sent %v (%v, %v), want %v", c.fields, d.found.SentAt, err, d.obs.Err, c.want)
		}
	}
}
