package httpclient

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestStatusErrorShowsNoContent: what a failed answer's error shows (its
// message, Raw) carries no letter's title and no national id, whatever the
// service put in the body; an error answer's own fields stay readable,
// and Body stays as it came for the adapters (less a leading byte order
// mark).
func TestStatusErrorShowsNoContent(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		show       []string // in the message and Raw
		hide       []string // in neither
	}{
		{"a log page relayed by a gateway", `{"events":[{"label":"Afgørelse om anbringelse","recipientID":"0101801234"}],"totalElements":1}`,
			[]string{"bytes of JSON without error fields"}, []string{"Afgørelse", "0101801234"}},
		{"problem details naming a person", `{"title":"Bad Request","status":400,"detail":"mottaker 01029400470 ukjent","errorCode":"CORR-4002","extensions":{"label":"Vedtak"}}`,
			[]string{"Bad Request", "CORR-4002", "010294*****"}, []string{"01029400470", "Vedtak"}},
		{"a history cut off", `{"hendelser":[{"hendelse":"Mottaker 01029400470 er registrert"`,
			[]string{"bytes of JSON, not shown"}, []string{"01029400470", "Mottaker"}},
		{"a log page behind a byte-order mark", "\ufeff" + `{"events":[{"label":"Afgørelse om anbringelse","recipientID":"0101801234"}]}`,
			[]string{"bytes of JSON without error fields"}, []string{"Afgørelse", "0101801234"}},
		{"a proxy's text", "upstream said: cpr 010180-1234 unknown", []string{"upstream said", "010180-****"}, []string{"010180-1234"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := counting(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := get(newTestClient(t, Options{BaseURL: srv.URL}))
			var se *StatusError
			if !errors.As(err, &se) || string(se.Body) != strings.TrimPrefix(tc.body, "\ufeff") {
				t.Fatalf("err %v, body %q", err, se.Body)
			}
			for _, s := range tc.show {
				if !strings.Contains(err.Error(), s) || !strings.Contains(se.Raw(), s) {
					t.Errorf("%q missing: message %q, raw %q", s, err.Error(), se.Raw())
				}
			}
			for _, s := range tc.hide {
				if strings.Contains(err.Error(), s) || strings.Contains(se.Raw(), s) {
					t.Errorf("%q shown: message %q, raw %q", s, err.Error(), se.Raw())
				}
			}
		})
	}
}
