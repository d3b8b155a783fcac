package model

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"postvakt/internal/i18n"
)

// NumberError is what is wrong with an organisation number or a person
// id (CheckOrgNumber, CheckPersonID): its message is Reason's English.
type NumberError struct {
	Reason i18n.Phrase
}

func (e *NumberError) Error() string { return e.Reason.English() }

func numberError(key string, args ...any) error { return &NumberError{Reason: i18n.P(key, args...)} }

// ReasonOf is err's catalogue phrase (a *NumberError's Reason), or the
// zero Phrase for another error.
func ReasonOf(err error) i18n.Phrase {
	var ne *NumberError
	if errors.As(err, &ne) {
		return ne.Reason
	}
	return i18n.Phrase{}
}

// CheckOrgNumber accepts a Norwegian organisation number (9 digits, mod-11
// check digit with weights 3 2 7 6 5 4 3 2) or a Danish CVR number (8 digits,
// mod-11 with weights 2 7 6 5 4 3 2 1).
func CheckOrgNumber(s string) error {
	if !allDigits(s) {
		return numberError("problem.org_digits")
	}
	switch len(s) {
	case 9:
		if !norwegianOrgOK(s) {
			return numberError("problem.org_check_no", "Value", s)
		}
	case 8:
		if !danishCVROK(s) {
			return numberError("problem.org_check_dk", "Value", s)
		}
	default:
		return numberError("problem.org_length", "Len", len(s))
	}
	return nil
}

// orgLengths is how many digits an organisation number has in each
// country postvakt knows: the one place for that rule (OrgCountry,
// OrgLength; the store's SQL and the register look-ups use those).
var orgLengths = map[string]int{"NO": 9, "DK": 8}

// OrgLength is how many digits an organisation number of country has (9
// in Norway, 8 for a Danish CVR number), 0 for a country postvakt does not
// know.
func OrgLength(country string) int { return orgLengths[country] }

// OrgCountry is the country of an organisation number by its form: "NO"
// for 9 digits, "DK" for 8 (a CVR number), "" for anything else. It does
// not check the check digit (CheckOrgNumber does).
func OrgCountry(s string) string {
	if !allDigits(s) {
		return ""
	}
	for country, n := range orgLengths {
		if len(s) == n {
			return country
		}
	}
	return ""
}

func norwegianOrgOK(s string) bool {
	d, ok := OrgCheckDigit(s[:8])
	return ok && s[8] == d
}

// OrgCheckDigit is the mod-11 check digit (weights 3 2 7 6 5 4 3 2) that
// follows the first eight digits of a Norwegian organisation number; ok is
// false when the remainder leaves none (no valid number begins so). It
// expects eight digits.
func OrgCheckDigit(first8 string) (digit byte, ok bool) {
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first8[i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return 0, false
	}
	return byte('0' + check), true
}

func danishCVROK(s string) bool {
	weights := [8]int{2, 7, 6, 5, 4, 3, 2, 1}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return sum%11 == 0
}

// CheckCVR accepts a Danish CVR number only: 8 digits whose weighted sum
// (2 7 6 5 4 3 2 1) is divisible by 11.
func CheckCVR(s string) error {
	if !allDigits(s) || len(s) != 8 {
		return fmt.Errorf("a CVR number has 8 digits, not %q", s)
	}
	if !danishCVROK(s) {
		return fmt.Errorf("%s is not a valid Danish CVR number (check digit)", s)
	}
	return nil
}

// PersonCountry is the country of a person id by its form: "NO" for 11
// digits (fødselsnummer, d-nummer), "DK" for 10 (CPR), "" for anything
// else. It does not check the id (CheckPersonID does).
func PersonCountry(s string) string {
	if !allDigits(s) {
		return ""
	}
	switch len(s) {
	case 11:
		return "NO"
	case 10:
		return "DK"
	}
	return ""
}

// CheckPersonID accepts an 11-digit Norwegian fødselsnummer/d-nummer (two
// mod-11 check digits) or a 10-digit Danish CPR number (format only: CPR
// numbers issued since 2007 need not satisfy mod-11).
func CheckPersonID(s string) error {
	if !allDigits(s) {
		if sep, ok := cprSeparator(s); ok {
			return numberError("problem.person_cpr_separator", "Sep", strconv.QuoteRune(sep))
		}
		return numberError("problem.person_digits")
	}
	switch len(s) {
	case 11:
		if !fodselsnummerOK(s) {
			return numberError("problem.person_check_no")
		}
	case 10:
		day := int(s[0]-'0')*10 + int(s[1]-'0')
		month := int(s[2]-'0')*10 + int(s[3]-'0')
		if day < 1 || day > 31 || month < 1 || month > 12 {
			return numberError("problem.person_cpr_date")
		}
	default:
		return numberError("problem.person_length", "Len", len(s))
	}
	return nil
}

// NormalizePersonID is a person id as it is stored: a Danish CPR number
// written the conventional way, DDMMYY-SSSS ("010170-1234"), as its ten
// digits ("0101701234"), so that either writing is one recipient and
// one letter. Anything else is returned as it is (and checked as it is:
// another separator is CheckPersonID's problem.person_cpr_separator).
func NormalizePersonID(s string) string {
	if len(s) == 11 && s[6] == '-' && allDigits(s[:6]) && allDigits(s[7:]) {
		return s[:6] + s[7:]
	}
	return s
}

// cprSeparator is the one character between the six date digits and the
// four serial digits of what is written as a CPR number with a separator
// other than the hyphen ("010170 1234", "010170/1234", "010170–1234");
// ok is false for anything else.
func cprSeparator(s string) (sep rune, ok bool) {
	if len(s) < 11 || !allDigits(s[:6]) {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(s[6:])
	if r == utf8.RuneError || len(s) != 6+n+4 || !allDigits(s[6+n:]) {
		return 0, false
	}
	return r, true
}

func fodselsnummerOK(s string) bool {
	d := func(i int) int { return int(s[i] - '0') }
	k1w := [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	k2w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range k1w {
		sum += d(i) * w
	}
	k1 := 11 - sum%11
	if k1 == 11 {
		k1 = 0
	}
	if k1 == 10 || k1 != d(9) {
		return false
	}
	sum = 0
	for i, w := range k2w {
		sum += d(i) * w
	}
	k2 := 11 - sum%11
	if k2 == 11 {
		k2 = 0
	}
	return k2 != 10 && k2 == d(10)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskPersonID keeps the date part of a person id and hides the rest, for
// logs and lists: "01017012345" → "010170*****". Anything else that is not
// an organisation number is masked whole.
func MaskPersonID(s string) string {
	if len(s) < 6 {
		return "******"
	}
	masked := []byte(s)
	for i := 6; i < len(masked); i++ {
		masked[i] = '*'
	}
	return string(masked)
}

// MaskRecipient returns the recipient id as it may appear in logs: an
// organisation number as is, a person id masked.
func MaskRecipient(kind, id string) string {
	if kind == RecipientOrg {
		return id
	}
	return MaskPersonID(id)
}
