package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// TestDiscoverRefusedIDLoggedMasked: a Digital Post log entry whose
// messageUUID is no UUID (a mis-mapped field: the recipient's CPR number
// in its place) is a letter discover cannot register, and the warning
// naming it is the log's text from outside: the CPR number is masked, as
// the problem beside it quotes it, and as the Altinn adapter logs a
// search's id. Before, the warning's channel_id showed it in clear.
func TestDiscoverRefusedIDLoggedMasked(t *testing.T) {
	const cpr = "0101801234"
	at := time.Now().UTC().Add(-2 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	entry := fmt.Sprintf(`{"id":"5d1f3a2e-8c4b-4e6f-9a1b-000000000001","eventId":"e1","eventTag":"MEMO_SEND_RECEIVED","eventTime":%q,"created":%q,`+
		`"metaProperties":{"messageUUID":%q,"senderID":"64942212","recipientID":"12345678","recipientType":"COMPANY"}}`, at, at, cpr)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("metaProperties.messageUUID") != "" {
			fmt.Fprint(w, `{"events":[],"currentPage":0,"totalPages":0,"totalElements":0}`)
			return
		}
		fmt.Fprint(w, `{"events":[`+entry+`],"currentPage":0,"totalPages":1,"totalElements":1}`)
	}))
	t.Cleanup(srv.Close)
	_, env := simEnv(t)
	env = append(env, "DATABASE_URL="+pgtest.New(t), "POSTVAKT_DIGITALPOST_URL="+srv.URL+"/apis/v1")
	since := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	out, stderr, _ := runEnv(t, env, "discover", "--channel", "digitalpost", "--since", since, "--sender-org", "64942212")
	if !strings.Contains(stderr, "discovered shipment not registered") {
		t.Fatalf("the letter was not refused with a warning:\n%s\n%s", out, stderr)
	}
	if strings.Contains(out+stderr, cpr) {
		t.Errorf("discover shows the CPR number in the entry's messageUUID in clear:\n%s\n%s", out, stderr)
	}
}
