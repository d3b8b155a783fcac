package httpclient

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// toUTF8 returns an answer's body as UTF-8: a body in UTF-16 with its byte
// order mark, or in the character set its Content-Type names (a Java
// server's ISO-8859-1: "Lest av mottaker p\xe5 …"), is decoded, so that
// its texts reach the evidence as they were written rather than as
// replacement characters, and JSON in UTF-16 can be read at all. A body
// that is valid UTF-8 already, or in a character set not known, is left
// as it came; so is one that does not decode.
func toUTF8(contentType string, body []byte) []byte {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	default:
		_, params, err := mime.ParseMediaType(contentType)
		label := strings.ToLower(strings.TrimSpace(params["charset"]))
		// Valid UTF-8 without NUL bytes (which UTF-16 text has in plenty)
		// is UTF-8 whatever the label says.
		if err != nil || label == "" || label == "utf-8" || label == "utf8" || utf8.Valid(body) && bytes.IndexByte(body, 0) < 0 {
			return body
		}
		if enc, err = htmlindex.Get(label); err != nil {
			return body
		}
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return bytes.TrimPrefix(out, utf8BOM)
}
