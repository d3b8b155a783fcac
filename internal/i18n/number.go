package i18n

import (
	"fmt"
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Number is a count a text shows ("{{.Letters}}"): T writes it grouped
// the way the reader's language groups digits, as it writes a "Count".
// Other integers (a year, a line number, an id) are passed as int and
// written as they are.
type Number int64

// printers groups digits per language by CLDR (golang.org/x/text, already
// a dependency): nb "1 307" with a no-break space (U+00A0, so a number
// never wraps), da "1.307", en "1,307".
var printers = map[string]*message.Printer{}

func init() {
	for _, l := range Languages {
		printers[l] = message.NewPrinter(language.Make(l))
	}
}

// FormatInt writes n for a reader of lang, its digits grouped in
// thousands as that language writes them: the one place a count on a page
// or in an e-mail gets its form. Numbers below 1000 (and -1000) are
// written as they are; an unknown language is written as Default. Not for
// what machines read (CSV, JSON, the API) nor for ids, organisation
// numbers or years.
func FormatInt(lang string, n int64) string {
	if n > -1000 && n < 1000 {
		return strconv.FormatInt(n, 10)
	}
	p, ok := printers[lang]
	if !ok {
		p = printers[Default]
	}
	return p.Sprint(n)
}

// Int is n in l's language (FormatInt), as a template writes a count:
// {{$t.Int .Count}}. n is any integer type; anything else is written with
// its default format.
func (l *Localizer) Int(n any) string {
	if v, ok := integer(n); ok {
		if l.plain {
			return strconv.FormatInt(v, 10)
		}
		return FormatInt(l.lang, v)
	}
	return fmt.Sprint(n)
}

// integer is n as an int64 when it is one of Go's integer types or a
// Number.
func integer(n any) (int64, bool) {
	switch v := n.(type) {
	case Number:
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int16:
		return int64(v), true
	case int8:
		return int64(v), true
	case uint:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint8:
		return int64(v), true
	case uint64:
		return int64(v), true
	}
	return 0, false
}
