package httpclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAnswerAsReceived: an answer decoded from another character set says
// how it came — its charset label and the length and SHA-256 of the bytes
// received — on the Response and on a StatusError, whose Raw (a poll
// error's evidence) names them; evidence is of what the channel sent, not
// of postvakt's decoding of it. An answer given as it came says nothing
// more (Received nil, Raw unchanged).
func TestAnswerAsReceived(t *testing.T) {
	latin1 := []byte(`{"hendelse":"Lest av mottaker p` + "\xe5" + ` Altinn"}`)
	page := []byte("<html><body>Feil p\xe5 tjeneren</body></html>")
	hash := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	var status int
	var body []byte
	var contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	cl, err := New(Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	do := func() (*Response, error) {
		return cl.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	}

	status, body, contentType = 200, latin1, "application/json; charset=ISO-8859-1"
	resp, err := do()
	if err != nil {
		t.Fatal(err)
	}
	want := Received{Charset: "iso-8859-1", Bytes: len(latin1), SHA256: hash(latin1)}
	if resp.Received == nil || *resp.Received != want {
		t.Errorf("received %+v, want %+v", resp.Received, want)
	}
	if !strings.Contains(string(resp.Body), "på") {
		t.Errorf("body %q not decoded", resp.Body)
	}

	status, body, contentType = 502, page, "text/html; charset=iso-8859-1"
	_, err = do()
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a StatusError", err)
	}
	want = Received{Charset: "iso-8859-1", Bytes: len(page), SHA256: hash(page)}
	if se.Received == nil || *se.Received != want {
		t.Errorf("received %+v, want %+v", se.Received, want)
	}
	if raw := se.Raw(); !strings.Contains(raw, "Feil på tjeneren") || !strings.Contains(raw, want.String()) {
		t.Errorf("raw %q, want the text and %q", raw, want.String())
	}

	// As it came: nothing more.
	status, body, contentType = 502, []byte("Bad Gateway"), "text/plain; charset=utf-8"
	_, err = do()
	if !errors.As(err, &se) || se.Received != nil || se.Raw() != "Bad Gateway" {
		t.Errorf("error %v, received %+v", err, se.Received)
	}
	status, body, contentType = 200, []byte(`{"a":"på"}`), "application/json; charset=ISO-8859-1"
	if resp, err := do(); err != nil || resp.Received != nil {
		t.Errorf("UTF-8 labelled ISO-8859-1: %v, received %+v", err, resp.Received)
	}
}
