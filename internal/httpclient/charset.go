package httpclient

import (
	"bytes"
	"encoding/json"
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
// as it came; so is one that does not decode, and one labelled UTF-16
// without a byte order mark unless it reads as UTF-16 JSON (a Latin-1
// text so labelled would become CJK characters, past recovering). charset
// names what the body was decoded from ("" when it was left as it came).
func toUTF8(contentType string, body []byte) (out []byte, charset string) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		enc, charset = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16"
	default:
		if !containsFold(contentType, "charset") {
			return body, "" // no label: left as it came (without parsing the media type)
		}
		_, params, err := mime.ParseMediaType(contentType)
		label := strings.ToLower(strings.TrimSpace(params["charset"]))
		// Valid UTF-8 without NUL bytes (which UTF-16 text has in plenty)
		// is UTF-8 whatever the label says.
		if err != nil || label == "" || label == "utf-8" || label == "utf8" || utf8.Valid(body) && bytes.IndexByte(body, 0) < 0 {
			return body, ""
		}
		if enc, err = htmlindex.Get(label); err != nil {
			return body, ""
		}
		charset = label
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body, ""
	}
	if !bytes.HasPrefix(body, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(body, []byte{0xFE, 0xFF}) && isUTF16(enc) &&
		(len(body)%2 != 0 || bytes.ContainsRune(out, utf8.RuneError) || !json.Valid(out)) {
		return body, ""
	}
	return bytes.TrimPrefix(out, utf8BOM), charset
}

// containsFold reports whether s holds sub (lower-case ASCII) in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// isUTF16 reports whether enc is one of the UTF-16 encodings a label names.
func isUTF16(enc encoding.Encoding) bool {
	name, _ := htmlindex.Name(enc)
	return strings.HasPrefix(name, "utf-16")
}
