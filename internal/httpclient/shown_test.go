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

// TestStatusErrorCutsNoNationalIDInPart: a text answer longer than the
// excerpt an error keeps, with a national id across the excerpt's end,
// shows no more of it than its date. Cut to nine digits a fødselsnummer
// is no number the masker knows, yet its nine give the check digits, so
// the whole; a CPR number cut to eight or nine keeps most of its serial.
func TestStatusErrorCutsNoNationalIDInPart(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		inside   int // how many of the id's bytes fall inside the excerpt
	}{
		{"a fødselsnummer cut after nine digits", "01029400470", 9},
		{"a fødselsnummer cut after seven digits", "01029400470", 7},
		{"a CPR number cut after nine digits", "0101801234", 9},
		{"a CPR number with a hyphen cut after its ninth byte", "010180-1234", 9},
		{"a fødselsnummer with a space cut after its tenth byte", "010294 00470", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := "upstream said: letters refused for "
			body := head + strings.Repeat("x", maxSnippet-tc.inside-len(head)) + tc.id + " and others\n"
			srv, _ := counting(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(body))
			})
			_, err := get(newTestClient(t, Options{BaseURL: srv.URL, MaxRetries: -1}))
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want a StatusError", err)
			}
			if !strings.Contains(err.Error(), "upstream said") {
				t.Errorf("message %q: the answer's text is gone", err.Error())
			}
			more := throughSeventhDigit(tc.id) // more than the date a masked id keeps
			if strings.Contains(err.Error(), more) || strings.Contains(se.Raw(), more) {
				t.Errorf("%q of %s shown: message ends %q, raw ends %q", more, tc.id, ending(err.Error()), ending(se.Raw()))
			}
		})
	}
}

// throughSeventhDigit is id up to and with its seventh digit.
func throughSeventhDigit(id string) string {
	n := 0
	for i := 0; i < len(id); i++ {
		if id[i] >= '0' && id[i] <= '9' {
			if n++; n == 7 {
				return id[:i+1]
			}
		}
	}
	return id
}

// ending is the last 40 bytes of s, where the excerpt ends.
func ending(s string) string { return s[max(len(s)-40, 0):] }
