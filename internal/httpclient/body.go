package httpclient

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"

	"github.com/go-resty/resty/v2"
)

// readBody reads an answer's body, at most limit bytes (more is
// resty.ErrResponseBodyTooLarge), into one buffer sized by its
// Content-Length when it gives one, and closes it. A body the server sent
// gzipped unasked (Content-Encoding: gzip, which the transport leaves to
// its caller when it did not ask for it) is decompressed, as resty does.
// resty reads a body itself 512 bytes at a time into a growing buffer and
// then matches the Content-Type against its JSON and XML patterns for a
// result it is not given (a tenth of the client's own CPU in a poll
// cycle): the client tells it not to (SetDoNotParseResponse) and reads
// here.
func readBody(resp *http.Response, limit int) ([]byte, error) {
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	size := 512
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && resp.ContentLength != 0 {
		if _, ok := resp.Body.(*gzip.Reader); !ok {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				return nil, err
			}
			defer zr.Close()
			body = zr
		}
	} else if resp.ContentLength > 0 && resp.ContentLength <= int64(limit) {
		size = int(resp.ContentLength) + 1 // room for the EOF read
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := body.Read(b[len(b):min(cap(b), limit+1)])
		b = b[:len(b)+n]
		if len(b) > limit {
			return nil, resty.ErrResponseBodyTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
