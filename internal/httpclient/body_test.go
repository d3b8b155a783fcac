package httpclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-resty/resty/v2"
)

// TestReadBody: an answer's body is read whole up to the cap, whatever its
// Content-Length says (none, right, short, long), decompressed when it came
// gzipped unasked, and refused one byte over the cap.
func TestReadBody(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(`{"hendelser":[]}`))
	zw.Close()
	long := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		name     string
		body     []byte
		length   int64
		encoding string
		limit    int
		want     string
		tooLarge bool
	}{
		{name: "no length", body: []byte(long), length: -1, limit: 1 << 20, want: long},
		{name: "length given", body: []byte(long), length: 3000, limit: 1 << 20, want: long},
		{name: "length short of the body", body: []byte(long), length: 10, limit: 1 << 20, want: long},
		{name: "length past the body", body: []byte("abc"), length: 3000, limit: 1 << 20, want: "abc"},
		{name: "empty", body: nil, length: 0, limit: 10, want: ""},
		{name: "at the cap", body: []byte(long), length: 3000, limit: 3000, want: long},
		{name: "at the cap, no length", body: []byte(long), length: -1, limit: 3000, want: long},
		{name: "a byte over the cap", body: []byte(long), length: 3000, limit: 2999, tooLarge: true},
		{name: "a byte over the cap, no length", body: []byte(long), length: -1, limit: 2999, tooLarge: true},
		{name: "length within the cap, body over it", body: []byte(long), length: 10, limit: 100, tooLarge: true},
		{name: "gzip unasked", body: zipped.Bytes(), length: int64(zipped.Len()), encoding: "gzip", limit: 1 << 20, want: `{"hendelser":[]}`},
		{name: "gzip unasked, no length", body: zipped.Bytes(), length: -1, encoding: "GZIP", limit: 1 << 20, want: `{"hendelser":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &closeCounter{Reader: iotestOneByteOr(tc.body)}
			resp := &http.Response{Header: http.Header{}, Body: body, ContentLength: tc.length}
			if tc.encoding != "" {
				resp.Header.Set("Content-Encoding", tc.encoding)
			}
			got, err := readBody(resp, tc.limit)
			if body.closed != 1 {
				t.Errorf("body closed %d times, want once", body.closed)
			}
			if tc.tooLarge {
				if !errors.Is(err, resty.ErrResponseBodyTooLarge) {
					t.Fatalf("err %v, want too large", err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", clip(string(got)), err, clip(tc.want))
			}
		})
	}
	t.Run("not gzip after all", func(t *testing.T) {
		resp := &http.Response{Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(strings.NewReader("{}")), ContentLength: 2}
		if _, err := readBody(resp, 100); err == nil {
			t.Fatal("a body labelled gzip that is not read without an error")
		}
	})
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// iotestOneByteOr reads b in uneven pieces, as a socket gives them.
func iotestOneByteOr(b []byte) io.Reader {
	return &piecewise{b: b}
}

type piecewise struct {
	b []byte
	n int
}

func (p *piecewise) Read(out []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	p.n = p.n%7 + 1
	k := min(len(out), len(p.b), p.n*97)
	copy(out, p.b[:k])
	p.b = p.b[k:]
	return k, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// TestTargetAsResty: a request reaches the address resty makes of the base
// URL and the path, whether the client joins them itself (a plain path) or
// leaves them to resty (any other path, and the control: no join at all).
func TestTargetAsResty(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Host+" "+r.URL.RawPath+" "+r.URL.Path+" "+r.URL.RawQuery+" "+r.RequestURI)
		mu.Unlock()
	})
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/api", srv.URL + "/api//"} {
		for _, path := range []string{"/v2/forsendelser/0d3f2e4c-5B6A-4c7d-8e9f-a0b1c2d3e4f5/hendelser", "/a.b_c~d/", "/",
			"//other.example/x", "/a/../b", "/a?x=1&y=%20", "/a%2Fb", "/a b", "/æ", "/a#frag", "x/y", "", "/a;b", "/a+b"} {
			c := newTestClient(t, Options{BaseURL: base, Clock: newFakeClock()})
			if c.base == "" {
				t.Fatalf("base %q not joined", base)
			}
			send := func() string {
				mu.Lock()
				got = nil
				mu.Unlock()
				c.Do(context.Background(), Request{Method: http.MethodGet, Path: path})
				mu.Lock()
				defer mu.Unlock()
				return strings.Join(got, "|")
			}
			joined := send()
			c.base = ""
			if asResty := send(); joined != asResty {
				t.Errorf("base %q path %q: joined reached %q, resty's own join %q", base, path, joined, asResty)
			}
		}
	}
	for _, base := range []string{"", "localhost:8080", "/relative"} {
		if c := newTestClient(t, Options{BaseURL: base, Clock: newFakeClock()}); c.base != "" {
			t.Errorf("base %q joined as %q: not an absolute URL", base, c.base)
		}
	}
}
