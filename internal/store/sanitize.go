package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"postvakt/internal/model"
)

// What PostgreSQL refuses and a channel may send: a NUL byte or invalid
// UTF-8 in a text column; in a jsonb column also the escapes \u0000 and a
// lone surrogate (\ud800). Everything a channel said is cleaned here
// before it is written, so one letter's odd bytes cannot roll back the
// writes of a whole batch.

// IsText reports whether PostgreSQL stores s as it is: valid UTF-8
// without a NUL.
func IsText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// CleanText returns s fit for a text column: NUL and every byte that is
// not part of valid UTF-8 are written as the escape \xNN; anything else is
// unchanged.
func CleanText(s string) string {
	if IsText(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1, r == 0:
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
		default:
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

// CleanJSON returns a channel's raw answer fit for a jsonb column: as it
// is when PostgreSQL takes it; with NUL characters written as the text
// \u0000 (a visible backslash escape) and lone surrogates as U+FFFD when it
// is valid JSON in valid UTF-8; otherwise (invalid UTF-8, not JSON) the
// raw bytes as base64 with a note (see RawEnvelope). Empty stays nil.
func CleanJSON(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if !utf8.Valid(b) || !json.Valid(b) {
		why := "not valid UTF-8"
		if utf8.Valid(b) {
			why = "not valid JSON"
		}
		return RawEnvelope(b, why)
	}
	if !hasRiskyEscape(b) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return RawEnvelope(b, "not valid JSON")
	}
	out, err := json.Marshal(escapeNUL(v))
	if err != nil {
		return RawEnvelope(b, "not re-encodable")
	}
	return out
}

// RawEnvelope keeps bytes PostgreSQL's jsonb cannot hold as base64, with
// a note saying why, as a JSON document.
func RawEnvelope(b []byte, why string) []byte {
	out, _ := json.Marshal(struct {
		Note   string `json:"postvakt_note"`
		Bytes  int    `json:"bytes"`
		Base64 string `json:"base64"`
	}{"the channel's answer was " + CleanText(why) + "; its raw bytes are kept as base64", len(b), base64.StdEncoding.EncodeToString(b)})
	return out
}

// hasRiskyEscape reports whether b holds \u0000 or a \ud800–\udfff escape
// (the backslash itself unescaped).
func hasRiskyEscape(b []byte) bool {
	for i := 0; i+5 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		h := strings.ToLower(string(b[i+2 : i+6]))
		if h == "0000" || (h[0] == 'd' && h[1] >= '8') {
			return true
		}
		i += 5
	}
	return false
}

// escapeNUL replaces NUL characters in every string and key of a decoded
// JSON value by the six characters \u0000.
func escapeNUL(v any) any {
	return model.MapJSON(v, func(leaf any) any {
		if s, ok := leaf.(string); ok {
			return strings.ReplaceAll(s, "\x00", `\u0000`)
		}
		return leaf
	})
}
