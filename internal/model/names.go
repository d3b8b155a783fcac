package model

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName is a name — a sending unit's, a class, a sender
// system's — as it is stored and compared: without surrounding blanks and
// in Unicode's composed form (NFC). A Mac writes "Ås" decomposed (NFD:
// A and a combining ring) where Windows and the browsers write it
// composed; the two look the same and were two units, so a letter from one
// missed the other's follow-up addresses, policy and unit users.
func NormalizeName(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}

// NameLike is a unit's name as a person reads it: in lower case, its
// spaces one. Two names of one organisation's units with the same
// NameLike and not the same name ("barnevernstjenesten",
// "Barnevernstjenesten") are one unit written otherwise, two units to
// postvakt: the letters of the one get none of the other's addresses,
// policy or unit users.
func NameLike(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(NormalizeName(s)), " "))
}
