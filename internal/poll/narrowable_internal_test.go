package poll

import (
	"errors"
	"fmt"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// TestNarrowable: only an answer one letter's record could cause narrows a
// batch; a request never sent for want of a token does not, even when the
// token service's own answer was a server error (splitting the batch then
// asked the token service again for every half). A 403 does (SvarUt may
// refuse a whole status call for one letter of another account); an
// adapter's refusal of the call for every letter asked on its own
// (Altinn's lost access) does not.
func TestNarrowable(t *testing.T) {
	tokenDown := fmt.Errorf("svarut POST /x: %w: getting a Maskinporten token: %w", httpclient.ErrNotSent, &httpclient.StatusError{StatusCode: 503})
	everyLetterRefused := fmt.Errorf("altinn details: every one of 3 correspondences answered 401/403 (first: %w)",
		fmt.Errorf("%w: Altinn answered 403 for x", channel.ErrRefused))
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"a server error", &httpclient.StatusError{StatusCode: 500}, true},
		{"an unreadable answer", &channel.BadResponseError{}, true},
		{"refused", &httpclient.StatusError{StatusCode: 401}, false},
		{"forbidden", fmt.Errorf("svarut status of 40 shipments: %w", &httpclient.StatusError{StatusCode: 403}), true},
		{"every letter refused on its own", everyLetterRefused, false},
		{"rate limited", &httpclient.StatusError{StatusCode: 429}, false},
		{"no token: the token service's 503", tokenDown, false},
		{"no connection", errors.New("dial tcp: connection refused"), false},
	} {
		if got := narrowable(c.err); got != c.want {
			t.Errorf("%s: narrowable = %v, want %v", c.name, got, c.want)
		}
	}
}
