package httpclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// TestBodyInAnotherCharset: an answer in the character set its
// Content-Type names, or in UTF-16 with a byte order mark, reaches the
// caller as UTF-8 with its letters intact; an answer that is UTF-8
// already (whatever its label says), or in a character set not known, is
// given as it came. A body labelled UTF-16 without a byte order mark is
// decoded only when it reads as UTF-16 JSON: a Latin-1 answer so labelled
// is given as it came.
func TestBodyInAnotherCharset(t *testing.T) {
	const text = `{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Lest av mottaker på Altinn"}]}`
	utf16 := func(e unicode.Endianness) []byte {
		b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	latin1 := []byte(`{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Lest av mottaker p` + "\xe5" + ` Altinn"}]}`)
	cases := []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"ISO-8859-1", "application/json;charset=ISO-8859-1", latin1, text},
		{"latin1 quoted", `application/json; charset="latin1"`, latin1, text},
		{"windows-1252", "application/json; charset=windows-1252", latin1, text},
		{"UTF-16LE with BOM, no charset", "application/json", utf16(unicode.LittleEndian), text},
		{"UTF-16BE with BOM and charset", "application/json; charset=UTF-16", utf16(unicode.BigEndian), text},
		{"UTF-8 labelled ISO-8859-1", "application/json; charset=ISO-8859-1", []byte(text), text},
		{"UTF-8 labelled UTF-16", "application/json; charset=UTF-16", []byte(text), text},
		{"UTF-16LE without BOM, labelled", "application/json; charset=UTF-16LE", utf16(unicode.LittleEndian)[2:], text},
		{"UTF-8", "application/json; charset=utf-8", []byte(text), text},
		// Labelled UTF-16 without a byte order mark but not UTF-16 JSON:
		// left as it came, not turned into characters past recovering.
		{"Latin-1 labelled UTF-16", "application/json; charset=UTF-16", latin1, string(latin1)},
		{"Latin-1 labelled UTF-16LE", "application/json; charset=utf-16le", latin1, string(latin1)},
		{"Latin-1 labelled UTF-16BE", "application/json; charset=UTF-16BE", latin1, string(latin1)},
		{"UTF-16LE text without BOM, not JSON", "text/plain; charset=UTF-16LE", mustUTF16LE(t, "Lest av mottaker på Altinn")[2:], string(mustUTF16LE(t, "Lest av mottaker på Altinn")[2:])},
		{"unknown charset", "application/json; charset=x-ukjent", latin1, string(latin1)},
		{"not UTF-8, labelled UTF-8", "application/json; charset=utf-8", latin1, string(latin1)},
		{"not UTF-8, no label", "application/json", latin1, string(latin1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				_, _ = w.Write(c.body)
			}))
			defer srv.Close()
			cl, err := New(Options{Name: "svarut", BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := cl.Do(context.Background(), Request{Method: http.MethodGet, Path: "/v2/forsendelser/x/hendelser"})
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != c.want {
				t.Errorf("body %q, want %q", resp.Body, c.want)
			}
		})
	}
}

// mustUTF16LE is s in UTF-16LE with its byte order mark.
func mustUTF16LE(t *testing.T, s string) []byte {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
