package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// MaskPersonIDsIn masks every Norwegian person id (fødselsnummer,
// d-nummer) in a channel's text, as MaskPersonID does: the evidence keeps
// who and when in short, not a national id. SvarUt's history says
// "Mottaker 01029400470 er registert …" and "Lest eksternt … av
// 01029400470", in JSON.
//
// An id is eleven digits that no other digit touches, however the text
// goes on around it (a letter, an underscore, a JSON escape such as \n);
// or six and five digits with one space, no-break space, narrow no-break
// space or hyphen between them (also written as a JSON \u escape). Digits
// of a \uXXXX escape before it are not counted as its own. Valid JSON stays
// valid: should masking an unquoted number break it, the JSON's strings
// are masked one by one instead, and an eleven-digit number becomes its
// masked string.
func MaskPersonIDsIn(b []byte) []byte { return maskKeepingJSON(b, maskIDs) }

// MaskNationalIDsIn masks, in a text postvakt did not write (an excerpt of
// a channel's answer in an error), the Norwegian person ids as
// MaskPersonIDsIn does and the Danish CPR numbers as MaskRecipient does:
// ten digits that no other digit touches, or six and four with one of
// idSeparators between them, keep their date and lose the rest
// (010180****). Valid JSON stays valid, as with MaskPersonIDsIn: a
// ten-digit number becomes its masked string.
func MaskNationalIDsIn(b []byte) []byte { return maskKeepingJSON(b, maskNational) }

// maskNational masks both countries' ids in b.
func maskNational(b []byte) ([]byte, bool) {
	person, p := maskIDs(b)
	out, c := maskCPR(person)
	return out, p || c
}

// maskKeepingJSON masks b with mask; when that breaks valid JSON (an id
// written as an unquoted number), the JSON's strings, keys and numbers are
// masked one by one instead, and a number holding an id becomes its
// masked string.
func maskKeepingJSON(b []byte, mask func([]byte) ([]byte, bool)) []byte {
	out, masked := mask(b)
	if !masked || !json.Valid(b) || json.Valid(out) {
		return out
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return out
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(maskJSON(v, mask)); err != nil {
		return out
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// HoldsNationalID reports whether s holds a national id (a fødselsnummer
// or a CPR number, as MaskNationalIDsIn finds them): a user's or an API
// token's name may not, since names are written to the logs as they are.
// An id split by an invisible character (withoutFormat: a soft hyphen, a
// zero-width space) is one too: its reader sees the digits alone.
func HoldsNationalID(s string) bool {
	if string(MaskNationalIDsIn([]byte(s))) != s {
		return true
	}
	t := withoutFormat(s)
	return t != s && string(MaskNationalIDsIn([]byte(t))) != t
}

// withoutFormat is s without its format characters (Unicode's Cf: a soft
// hyphen, a zero-width space or joiner, a byte-order mark, a text
// direction mark), which are not seen where s is shown.
func withoutFormat(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// Shown is text from outside that a log line names something by (a
// channel's id that is no id: a CPR number a mis-mapped field put in its
// place) as the line shows it: national ids masked, and cut to at most n
// bytes where no number is cut short (Excerpt: a national id cut short is
// not recognised to mask).
func Shown(s string, n int) string { return string(MaskNationalIDsIn(Excerpt([]byte(s), n))) }

// Excerpt is the first n bytes of b (a copy), for a text to be masked
// (MaskNationalIDsIn) after it is cut: when the cut falls inside a run of
// digits, the run is left out whole. A national id cut short is no number
// the masker knows, yet it says more than the masked id's date: nine
// digits of a fødselsnummer give its two check digits, so the whole
// number, and nine of a CPR number all but one. Cut after the date and a
// separator (010180-), it shows the date only, as the mask does.
func Excerpt(b []byte, n int) []byte {
	if len(b) <= n {
		return append([]byte(nil), b...)
	}
	cut := max(n, 0)
	if isDigit(b[cut]) {
		for cut > 0 && isDigit(b[cut-1]) {
			cut--
		}
	}
	return append([]byte(nil), b[:cut]...)
}

// maskCPR masks the Danish CPR numbers in b (a copy when there are any).
func maskCPR(b []byte) ([]byte, bool) {
	m := masker{in: b}
	mask := m.mask
	run := func(i int) int {
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		return j
	}
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		j := run(i)
		start := afterEscape(b, i, j)
		if inUUID(b, start) {
			i = j
			continue
		}
		switch {
		case j-start == 10:
			mask(start+6, j)
		case j-start == 6 && (separatorAt(b, j) > 0 || dateDotAt(b, start, j)):
			k := j + max(separatorAt(b, j), 1)
			if m := run(k); m-k == 4 && !inUUID(b, k) {
				mask(k, m)
				j = m
			}
		case j-start == 4 && afterDottedDate(b, start, cprDateSeparators):
			mask(start, j)
		}
		i = j
	}
	return m.result()
}

// maskJSON masks the ids in v's strings, keys included, with mask; a
// number that holds one becomes its masked string.
func maskJSON(v any, mask func([]byte) ([]byte, bool)) any {
	return MapJSON(v, func(leaf any) any {
		switch x := leaf.(type) {
		case string:
			m, _ := mask([]byte(x))
			return string(m)
		case json.Number:
			if m, ok := mask([]byte(x)); ok {
				return string(m)
			}
		}
		return leaf
	})
}

// MapJSON returns a decoded JSON value (as encoding/json decodes into any)
// with every string, object key and number passed through leaf, which
// must answer a string for a string; arrays and objects are walked, other
// values kept.
func MapJSON(v any, leaf func(any) any) any {
	switch x := v.(type) {
	case string, json.Number:
		return leaf(x)
	case []any:
		for i := range x {
			x[i] = MapJSON(x[i], leaf)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[leaf(k).(string)] = MapJSON(e, leaf)
		}
		return out
	}
	return v
}

// idSeparators may stand between a national id's date and the rest (a
// Norwegian person id's or a CPR number's): a space, a hyphen, a no-break
// or narrow no-break space, an en dash (as word processors write a hyphen),
// also as JSON escapes, a hyphen or dash with a space on each side, and a
// slash (as some write a CPR number). Not a dot: 123456.7890 is a number;
// a dot after six digits that read as a date is one (dateDotAt).
var idSeparators = [][]byte{
	[]byte(" - "), []byte(" \u2013 "), []byte(" "), []byte("-"), []byte("/"), []byte(`\/`), []byte("\u00a0"), []byte("\u202f"), []byte("\u2013"),
	[]byte(`\u00a0`), []byte(`\u00A0`), []byte(`\u202f`), []byte(`\u202F`), []byte(`\u2013`),
}

// cprDateSeparators may stand between a CPR number's date written as a
// date (01.01.70) and its four digits: a hyphen or dash, as a CPR number
// is written (a date and a time, 01.01.70 1015, is no CPR number).
var cprDateSeparators = [][]byte{[]byte(" - "), []byte(" \u2013 "), []byte("-"), []byte("\u2013"), []byte(`\u2013`)}

// dateDotAt reports whether the six digits b[i:j] are followed by a dot and
// a digit and read as a national id's date (idDate): 010170.12345 is a
// person id as a case worker may write it, 123456.7890 is a number.
func dateDotAt(b []byte, i, j int) bool {
	return j+1 < len(b) && b[j] == '.' && isDigit(b[j+1]) && idDate(b[i:j])
}

// afterDottedDate reports whether the digits at b[i:] follow one of seps
// after a date written as one (DD.MM.YY or DD.MM.YYYY, no digit or dot
// before it): 01.01.70-12345 is a person id, its date written as a date.
func afterDottedDate(b []byte, i int, seps [][]byte) bool {
	for _, sep := range seps {
		if !bytes.HasSuffix(b[:i], sep) {
			continue
		}
		end := i - len(sep)
		for _, n := range []int{8, 10} {
			s := end - n
			if s < 0 || (s > 0 && (isDigit(b[s-1]) || b[s-1] == '.')) {
				continue
			}
			d := b[s:end]
			if d[2] == '.' && d[5] == '.' && isDigit(d[0]) && isDigit(d[1]) && isDigit(d[3]) && isDigit(d[4]) &&
				allDigits(string(d[6:])) && idDate([]byte{d[0], d[1], d[3], d[4]}) {
				return true
			}
		}
	}
	return false
}

// idDate reports whether d begins with a national id's day and month
// (DDMM): a day of 1 to 31, or 41 to 71 (a d-nummer); a month of 1 to 12,
// or 41 to 52 (an h-nummer), or 81 to 92 (a synthetic test person's).
func idDate(d []byte) bool {
	day, month := int(d[0]-'0')*10+int(d[1]-'0'), int(d[2]-'0')*10+int(d[3]-'0')
	return (day >= 1 && day <= 31 || day >= 41 && day <= 71) &&
		(month >= 1 && month <= 12 || month >= 41 && month <= 52 || month >= 81 && month <= 92)
}

// separatorAt is the length of the idSeparator at b[j:] that a digit
// follows, or 0.
func separatorAt(b []byte, j int) int {
	for _, sep := range idSeparators {
		if bytes.HasPrefix(b[j:], sep) && j+len(sep) < len(b) && isDigit(b[j+len(sep)]) {
			return len(sep)
		}
	}
	return 0
}

// maskIDs masks the person ids in b (a copy when there are any) and
// reports whether there were.
func maskIDs(b []byte) ([]byte, bool) {
	m := masker{in: b}
	mask := m.mask
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		start := afterEscape(b, i, j)
		if inUUID(b, start) {
			i = j
			continue
		}
		switch j - start {
		case 11:
			mask(start+6, j)
		case 5:
			if afterDottedDate(b, start, idSeparators) {
				mask(start, j)
			}
		case 6:
			n := separatorAt(b, j)
			if n == 0 && dateDotAt(b, start, j) {
				n = 1
			}
			if n > 0 {
				k := j + n
				m := k
				for m < len(b) && isDigit(b[m]) {
					m++
				}
				if m-k == 5 && !inUUID(b, k) {
					mask(start+6, m)
					j = m
				}
			}
		}
		i = j
	}
	return m.result()
}

// masker writes '*' over parts of a text, into a copy made at the first.
type masker struct{ in, out []byte }

func (m *masker) mask(from, to int) {
	if m.out == nil {
		m.out = bytes.Clone(m.in)
	}
	for k := from; k < to; k++ {
		m.out[k] = '*'
	}
}

// result is the masked text (the text itself when nothing was masked) and
// whether anything was.
func (m *masker) result() ([]byte, bool) {
	if m.out == nil {
		return m.in, false
	}
	return m.out, true
}

// afterEscape is where the digit run b[i:j] really starts: after the hex
// digits of a JSON \uXXXX escape that ends inside it (\u00a001029400470).
func afterEscape(b []byte, i, j int) int {
	for p := max(i-5, 0); p < i; p++ {
		if b[p] == '\\' && p+1 < len(b) && b[p+1] == 'u' && p+6 <= j && isHex(b[p+2:p+6]) {
			return p + 6
		}
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// inUUID reports whether b[i] lies inside a UUID (8-4-4-4-12 hex digits,
// no hex digit touching it): a letter's or a shipment's id, whose digit
// runs may look like a national id (about one UUID in sixty) and must stay
// whole.
func inUUID(b []byte, i int) bool {
	for s := max(0, i-35); s <= i; s++ {
		if s+36 > len(b) || b[s+8] != '-' || b[s+13] != '-' || b[s+18] != '-' || b[s+23] != '-' ||
			(s > 0 && isHex(b[s-1:s])) || (s+36 < len(b) && isHex(b[s+36:s+37])) {
			continue
		}
		if isHex(b[s:s+8]) && isHex(b[s+9:s+13]) && isHex(b[s+14:s+18]) && isHex(b[s+19:s+23]) && isHex(b[s+24:s+36]) {
			return true
		}
	}
	return false
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) && (c|0x20 < 'a' || c|0x20 > 'f') {
			return false
		}
	}
	return true
}
