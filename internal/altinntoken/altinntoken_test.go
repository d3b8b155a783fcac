package altinntoken

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/httpclient"
)

// A 403 is about the token when it has no body, or a ProblemDetails
// without an error code (IDX10205 names the issuer, any other the
// scopes); one with an Altinn error code, or a page, is not; no other
// status is.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   Refusal
	}{
		{403, "", RefusedScope},
		{403, "  \n", RefusedScope},
		{403, `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Forbidden","status":403}`, RefusedScope},
		{403, `{"title":"IDX10205: Issuer validation failed","status":403,"detail":"Maskinporten token is not valid. Exchange to Altinn token and try again."}`, RefusedIssuer},
		{403, `{"title":"Forbidden","status":403,"code":"NOT-00403"}`, NotToken},
		{403, `{"title":"Forbidden","status":403,"errorCode":4001}`, NotToken},
		{403, `<html><body>403 Forbidden</body></html>`, NotToken},
		{401, "", NotToken},
		{422, `{"code":"NOT-00001"}`, NotToken},
	} {
		if got := Refused(c.status, []byte(c.body)); got != c.want {
			t.Errorf("Refused(%d, %q) = %d, want %d", c.status, c.body, got, c.want)
		}
	}
}

// Problem names the API's scopes for a refused scope, the exchange for
// IDX10205, wraps ErrRefused and the status error, and is nil otherwise.
func TestProblem(t *testing.T) {
	need := Need{Scopes: "a:b c:d", Policy: "the API wants a:b"}
	scope := &httpclient.StatusError{StatusCode: http.StatusForbidden}
	err := Problem(scope, need)
	var se *httpclient.StatusError
	if !errors.Is(err, ErrRefused) || !errors.As(err, &se) || !strings.Contains(err.Error(), "the API wants a:b") || !strings.Contains(err.Error(), "a:b c:d") {
		t.Errorf("scopes: %v", err)
	}
	issuer := &httpclient.StatusError{StatusCode: http.StatusForbidden, Body: []byte(`{"title":"IDX10205: Issuer validation failed"}`)}
	if err := Problem(issuer, need); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "POSTVAKT_ALTINN_EXCHANGE_URL") {
		t.Errorf("issuer: %v", err)
	}
	coded := &httpclient.StatusError{StatusCode: http.StatusForbidden, Body: []byte(`{"code":"X-1"}`)}
	for _, e := range []error{coded, &httpclient.StatusError{StatusCode: 500}, errors.New("network"), nil} {
		if err := Problem(e, need); err != nil {
			t.Errorf("Problem(%v) = %v, want nil", e, err)
		}
	}
}

// TestSummaryCutsNoNationalIDInPart: a ProblemDetails whose detail runs
// past the summary's 200 characters, a national id across the cut, keeps
// no more of the id than its date (nine digits of a fødselsnummer give
// the whole).
func TestSummaryCutsNoNationalIDInPart(t *testing.T) {
	for _, id := range []string{"01029400470", "0101801234"} {
		head := "Bad Request (mottakere uten tilgang: "
		detail := strings.Repeat("æ", 200-9-len([]rune(head))) + id + ", 31129912345)"
		got := Summary([]byte(`{"title":"Bad Request","detail":"mottakere uten tilgang: ` + detail + `"}`))
		if !strings.HasPrefix(got, ": "+head) || !strings.HasSuffix(got, "…") {
			t.Errorf("summary %q, want its title, detail and the cut", got)
		}
		if more := id[:7]; strings.Contains(got, more) {
			t.Errorf("%q of %s shown: summary ends %q", more, id, got[len(got)-30:])
		}
	}
}
