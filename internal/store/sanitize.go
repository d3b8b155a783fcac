package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
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
// \u0000 (a visible backslash escape), lone surrogates as U+FFFD and a
// number PostgreSQL's numeric cannot hold (1e1000000), or would hold only
// as kilobytes of digits, as its text when it is valid JSON in valid
// UTF-8; otherwise (invalid UTF-8, not JSON) the raw bytes as base64 with
// a note (see RawEnvelope). Empty stays nil.
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
	if !hasRiskyEscape(b) && !mayHoldHugeNumber(b) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return RawEnvelope(b, "not valid JSON")
	}
	out, err := json.Marshal(storable(v))
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

// storable is a decoded JSON value as jsonb takes it: NUL characters in
// every string and key written as the six characters \u0000, and a number
// too large for numeric (hugeNumber) as its text.
func storable(v any) any {
	return model.MapJSON(v, func(leaf any) any {
		switch x := leaf.(type) {
		case string:
			return strings.ReplaceAll(x, "\x00", `\u0000`)
		case json.Number:
			if hugeNumber(string(x)) {
				return string(x)
			}
		}
		return leaf
	})
}

// maxNumberDigits bounds a number kept as a number: an exponent beyond it,
// or more digits than it, makes it text. PostgreSQL's numeric takes no
// exponent beyond 131071 or below -16383, and 1e131071 is stored as
// 131,072 digits.
const maxNumberDigits = 1000

// hugeNumber reports whether a JSON number has an exponent or more digits
// than maxNumberDigits allows.
func hugeNumber(n string) bool {
	mant, exp, _ := strings.Cut(strings.ToLower(n), "e")
	if len(mant) > maxNumberDigits {
		return true
	}
	if exp == "" {
		return false
	}
	e, err := strconv.Atoi(exp)
	return err != nil || e > maxNumberDigits || e < -maxNumberDigits
}

// mayHoldHugeNumber is a quick look for what hugeNumber finds: an exponent
// of four digits or more, or a run of more than maxNumberDigits digits
// (in a string too: the decode that follows tells).
func mayHoldHugeNumber(b []byte) bool {
	run := 0
	for i, c := range b {
		if c < '0' || c > '9' {
			run = 0
			if (c == 'e' || c == 'E') && i+4 < len(b) {
				j := i + 1
				if b[j] == '+' || b[j] == '-' {
					j++
				}
				k := j
				for k < len(b) && k-j < 4 && b[k] >= '0' && b[k] <= '9' {
					k++
				}
				if k-j == 4 {
					return true
				}
			}
			continue
		}
		if run++; run > maxNumberDigits {
			return true
		}
	}
	return false
}
