package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"postvakt/internal/model"
)

// The names of users and API tokens (and the unit they are limited to), one rule for the administration
// pages and `postvakt user add` / `token create`.

// MaxUserName is the longest user name, in bytes: a longer one is refused,
// and a login with one is a wrong login.
const MaxUserName = 100

// MaxTokenName is the longest API token name, in characters (æ, ø and å
// count one each, as the admin page's message says).
const MaxTokenName = 100

// UserNameOK reports whether name may name a user: text of at most
// MaxUserName bytes (the login takes no longer one), without spaces (the
// login trims the name typed) or colons (an actor is "user:<name>"), and
// no national id (names are written to the logs). The message
// err.bad_name says so.
func UserNameOK(name string) bool {
	return name != "" && len(name) <= MaxUserName && IsText(name) && !strings.ContainsAny(name, " \t\r\n:") &&
		!model.HoldsNationalID(name)
}

// TokenNameOK reports whether name may name an API token: some text of at
// most MaxTokenName characters, spaces allowed inside it (migration 00038
// names tokens "sak (2)") but none at an end (the admin page trims the
// name typed: "sak " beside "sak" would be two active tokens the lists,
// the audit log and their letters' sender system show alike), no colon
// (an actor is "token:<name>") and no control character (a tab, a line
// break: the name is the default sender system of the letters the token
// registers, model.CheckText), and no national id (names are written to
// the logs). The message err.bad_token_name says so.
func TokenNameOK(name string) bool {
	return name != "" && IsText(name) && utf8.RuneCountInString(name) <= MaxTokenName && strings.TrimSpace(name) == name &&
		!strings.ContainsRune(name, ':') && !strings.ContainsFunc(name, unicode.IsControl) && !model.HoldsNationalID(name)
}

// UnitNameOK reports whether unit may be the unit a user or token is
// limited to: text (a NUL or bytes that are no UTF-8 the database refuses)
// without control characters, which no letter's unit holds
// (model.CheckText), and no national id (unit names are shown in lists and
// exports). The message err.bad_unit says so.
func UnitNameOK(unit string) bool {
	return IsText(unit) && !strings.ContainsFunc(unit, unicode.IsControl) && !model.HoldsNationalID(unit)
}
