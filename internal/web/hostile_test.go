package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHostileRegistrations: bodies the JSON decoder would take quietly,
// and values PostgreSQL would refuse as a 500, get a clear 4xx naming what
// is wrong, and store nothing; a time with an offset PostgreSQL cannot keep
// is stored as its instant.
func TestHostileRegistrations(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "964338531", "")
	item := func(id, field, value string) string {
		s := strings.Replace(good, `"d6b23522-ddf3-462a-8140-16e59e1f476d"`, `"`+id+`"`, 1)
		if field != "" {
			s = strings.Replace(s, `"`+field+`":"`, `"`+field+`":"`+value, 1)
		}
		return s
	}
	for _, c := range []struct {
		name, body string
		want       int
		says       string
	}{
		{"a second object after the first", item("a1000000-0000-4000-8000-000000000001", "", "") + item("a1000000-0000-4000-8000-000000000002", "", ""), http.StatusBadRequest, "more after the shipment object"},
		{"bytes after the object", item("a3", "", "") + "xyz", http.StatusBadRequest, "more after the shipment object"},
		{"null (not an empty array)", " null ", http.StatusBadRequest, "the request body is null"},
		{"a lone surrogate", item("a4", "title", `SECRET\ud800`), http.StatusUnprocessableEntity, "surrogate"},
		{"a low surrogate first", item("a5", "sender_unit", `\udfff`), http.StatusUnprocessableEntity, "surrogate"},
		{"year 1", strings.Replace(item("a6", "", ""), "2026-11-20T10:00:00+01:00", "0001-01-01T01:00:00+01:00", 1), http.StatusUnprocessableEntity, "sent_at"},
		{"year 1800", strings.Replace(item("a7", "", ""), "2026-11-20T10:00:00+01:00", "1800-01-01T00:00:00Z", 1), http.StatusUnprocessableEntity, "before 2000"},
	} {
		code, out := e.do("POST", "/api/v1/shipments", tok, c.body)
		if code != c.want || !strings.Contains(strings.ToLower(fmt.Sprint(out)), strings.ToLower(c.says)) {
			t.Errorf("%s: %d %v, want %d saying %q", c.name, code, out, c.want, c.says)
		}
		if strings.Contains(fmt.Sprint(out), "SECRET") {
			t.Errorf("%s: the answer quotes the title: %v", c.name, out)
		}
	}
	var stored int
	if err := e.st.DB().Get(&stored, `SELECT count(*) FROM shipments`); err != nil || stored != 0 {
		t.Errorf("%d letters stored from refused requests (%v)", stored, err)
	}
	// A pair of surrogates is one character, and welcome.
	if code, out := e.do("POST", "/api/v1/shipments", tok, item("b1000000-0000-4000-8000-000000000001", "title", `Brev \ud83d\udce8 `)); code != http.StatusCreated {
		t.Errorf("a surrogate pair: %d %v", code, out)
	}
	// +16:00 is RFC 3339 but past PostgreSQL's ±15:59: stored as the instant.
	code, out := e.do("POST", "/api/v1/shipments", tok, strings.Replace(item("b1000000-0000-4000-8000-000000000002", "", ""), "2026-11-20T10:00:00+01:00", "2026-11-21T02:00:00+16:00", 1))
	if code != http.StatusCreated {
		t.Fatalf("offset +16:00: %d %v", code, out)
	}
	if got := out["shipments"].([]any)[0].(map[string]any)["sent_at"]; got != "2026-11-20T10:00:00Z" {
		t.Errorf("offset +16:00 stored as %v, want 2026-11-20T10:00:00Z", got)
	}
	// One letter, whatever the case of its UUID or the spaces around a
	// field: the second registration finds the first.
	upper := item("AAAAAAAA-0000-4000-8000-00000000000A", "", "")
	lower := strings.Replace(item("aaaaaaaa-0000-4000-8000-00000000000a", "", ""), `"Barnevernstjenesten"`, `"  Barnevernstjenesten "`, 1)
	if code, out := e.do("POST", "/api/v1/shipments", tok, upper); code != http.StatusCreated {
		t.Fatalf("upper-case id: %d %v", code, out)
	}
	if code, out := e.do("POST", "/api/v1/shipments", tok, lower); code != http.StatusOK {
		t.Errorf("the same letter in lower case, its unit with spaces: %d %v, want 200 (registered already)", code, out)
	}
	// A byte order mark before the JSON is no problem; a body past the
	// limit is answered 413.
	if code, out := e.do("POST", "/api/v1/shipments", tok, "\ufeff"+item("c1000000-0000-4000-8000-000000000001", "", "")); code != http.StatusCreated {
		t.Errorf("a body behind a byte order mark: %d %v", code, out)
	}
	huge := "[" + item("c1000000-0000-4000-8000-000000000002", "title", strings.Repeat("x", 65<<20)) + "]"
	if code, out := e.do("POST", "/api/v1/shipments", tok, huge); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 64 MiB: %d %v, want 413", code, out)
	}
	// A query PostgreSQL cannot store in the audit log or compare.
	for _, q := range []string{"/api/v1/shipments?recipient=%00", "/api/v1/shipments?channel=%ff", "/api/v1/summary?class=%ff%fe"} {
		if code, out := e.do("GET", q, tok, ""); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out), "not text") {
			t.Errorf("GET %s: %d %v, want 400", q, code, out)
		}
	}
	resp, err := http.Get(e.srv.URL + "/list?class=%ff")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("UI list with a byte that is not UTF-8: %s, want 400", resp.Status)
	}
}

// TestRegistrationBodyEncodings: a body the API would misread is refused
// naming what it is: compressed (Content-Encoding: gzip, 415, whether or
// not the bytes are compressed: a plain body so labelled was taken), or
// UTF-16 (400, by its byte order mark, or without one by the NUL bytes
// of its first characters, as .NET's Encoding.Unicode and SQL Server write
// it). Nothing is stored.
func TestRegistrationBodyEncodings(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "964338531", "")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(good))
	_ = zw.Close()
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range good {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	var utf16be []byte
	for _, r := range good {
		utf16be = append(utf16be, byte(r>>8), byte(r))
	}
	for _, c := range []struct {
		name, encoding string
		body           []byte
		want           int
		says           string
	}{
		{"gzip", "gzip", gz.Bytes(), http.StatusUnsupportedMediaType, "is not taken: send the body uncompressed"},
		{"plain, labelled gzip", "gzip", []byte(good), http.StatusUnsupportedMediaType, "is not taken: send the body uncompressed"},
		{"UTF-16 with its byte order mark", "", utf16, http.StatusBadRequest, "the body is UTF-16"},
		{"UTF-16LE without a byte order mark", "", utf16[2:], http.StatusBadRequest, "the body is UTF-16"},
		{"UTF-16BE without a byte order mark", "", utf16be, http.StatusBadRequest, "the body is UTF-16"},
		{"identity (control)", "identity", []byte(good), http.StatusCreated, `"shipments"`},
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/shipments", bytes.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if c.encoding != "" {
			req.Header.Set("Content-Encoding", c.encoding)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // as sent: no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || !strings.Contains(string(b), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, resp.StatusCode, b, c.want, c.says)
		}
	}
	var stored int
	if err := e.st.DB().Get(&stored, `SELECT count(*) FROM shipments`); err != nil || stored != 1 {
		t.Errorf("%d letters stored (%v), want the control's 1", stored, err)
	}
}
