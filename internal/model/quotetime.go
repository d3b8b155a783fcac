package model

import (
	"fmt"
	"strconv"
	"strings"
)

// maxQuotedTime is how much of a time value QuoteTime quotes, in bytes.
const maxQuotedTime = 40

// QuoteTime is a value a channel sent for a time, as an error quotes it
// when postvakt cannot read it (a poll error, its log line, the UI): in
// quotes, at most 40 bytes of it (a run of digits the cut would split left
// out, as Excerpt leaves it; "…" after a cut), a national id in it masked.
//
// A number (digits alone, a sign before them) is masked when it could be
// a national id, keeping its date: eleven digits (a fødselsnummer); ten
// whose first six are a date ddmmyy (a CPR number), or whose first five
// are a fødselsnummer's date without its leading zero, as a JSON number
// loses it (of ten digits that may be either, the fewer kept); nine whose
// first five are a CPR number's so. Epoch seconds, what a time field
// holds in the wrong unit, are ten digits too: those that cannot be an id
// (1700000000: 17.00.00 is no date) stay readable, those that could
// (1712345678: 17.12.34) are masked. Any other text is masked as
// MaskNationalIDsIn masks it.
//
// A value that is a JSON object or array ({…}, […]: a mis-mapped field
// may nest anything in it, a letter's title or its recipient among it) is
// not quoted at all: it is named by its kind and size.
func QuoteTime(s string) string {
	if t := strings.TrimSpace(s); t != "" && (t[0] == '{' || t[0] == '[') {
		kind := "an object"
		if t[0] == '[' {
			kind = "an array"
		}
		return fmt.Sprintf("%s of %d bytes", kind, len(s))
	}
	b := Excerpt([]byte(s), maxQuotedTime)
	q := strconv.Quote(MaskTime(string(b)))
	if len(b) < len(s) {
		q += "…"
	}
	return q
}

// MaskTime is a time value postvakt could not read with a national id in
// it masked, whole (not cut) and unquoted, by QuoteTime's rule: what the
// evidence keeps of it.
func MaskTime(s string) string {
	b := []byte(s)
	digits := b
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if !allDigits(string(digits)) {
		return string(MaskNationalIDsIn(b))
	}
	if keep := idDateDigits(digits); keep > 0 {
		for i := keep; i < len(digits); i++ {
			digits[i] = '*'
		}
	}
	return string(b)
}

// idDateDigits is how many leading digits of a number that could be a
// national id are its date (the rest to be masked), or 0 when it cannot
// be one (QuoteTime).
func idDateDigits(d []byte) int {
	two := func(i int) int { return int(d[i]-'0')*10 + int(d[i+1]-'0') }
	day := func(n int) bool { return n >= 1 && n <= 31 }
	month := func(n int) bool { return n >= 1 && n <= 12 }
	// A fødselsnummer's day is 41-71 in a d-number, its month 41-52 in
	// an h-number.
	personMonth := func(n int) bool { return month(n) || month(n-40) }
	switch len(d) {
	case 11:
		return 6
	case 10:
		switch {
		case d[0] != '0' && personMonth(two(1)):
			return 5 // a fødselsnummer 0d mm yy … without its zero
		case day(two(0)) && month(two(2)):
			return 6 // a CPR number
		}
	case 9:
		if d[0] != '0' && month(two(1)) {
			return 5 // a CPR number 0d mm yy … without its zero
		}
	}
	return 0
}
