package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// orgWeights are the weights of the Norwegian organisation number's check
// digit (mod 11).
var orgWeights = [8]int{3, 2, 7, 6, 5, 4, 3, 2}

// orgCheckDigit returns the check digit for the first eight digits, or -1
// when the remainder makes the number invalid.
func orgCheckDigit(d [8]int) int {
	sum := 0
	for i, w := range orgWeights {
		sum += d[i] * w
	}
	c := 11 - sum%11
	switch c {
	case 11:
		return 0
	case 10:
		return -1
	}
	return c
}

// validOrgNr reports whether s is a valid Norwegian organisation number.
func validOrgNr(s string) bool {
	if len(s) != 9 {
		return false
	}
	var d [8]int
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 8 {
			d[i] = int(s[i] - '0')
		}
	}
	c := orgCheckDigit(d)
	return c >= 0 && c == int(s[8]-'0')
}

// newOrgNr draws a valid organisation number starting with 8 or 9, skipping
// draws whose check digit would be 10.
func newOrgNr(r *rand.Rand) string {
	for {
		var d [8]int
		d[0] = 8 + r.IntN(2)
		for i := 1; i < 8; i++ {
			d[i] = r.IntN(10)
		}
		c := orgCheckDigit(d)
		if c < 0 {
			continue
		}
		var b strings.Builder
		for _, x := range d {
			b.WriteByte(byte('0' + x))
		}
		b.WriteByte(byte('0' + c))
		return b.String()
	}
}

// newPersonID draws an 11-digit fødselsnummer-shaped id with valid check
// digits, synthetic: month of birth plus 80, as the Norwegian test registry
// (Tenor) makes them, so it never is a real person's number (day plus 40,
// a D-number, is issued to real people).
func newPersonID(r *rand.Rand) string {
	k1w := [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	k2w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	for {
		day := 1 + r.IntN(28)
		month := 1 + r.IntN(12)
		year := r.IntN(100)
		ind := r.IntN(500)
		base := fmt.Sprintf("%02d%02d%02d%03d", day, month+80, year, ind)
		var d [11]int
		for i := 0; i < 9; i++ {
			d[i] = int(base[i] - '0')
		}
		sum := 0
		for i, w := range k1w {
			sum += d[i] * w
		}
		k1 := (11 - sum%11) % 11
		if k1 == 10 {
			continue
		}
		d[9] = k1
		sum = 0
		for i, w := range k2w {
			sum += d[i] * w
		}
		k2 := (11 - sum%11) % 11
		if k2 == 10 {
			continue
		}
		return fmt.Sprintf("%s%d%d", base, k1, k2)
	}
}

// newUUID draws a version 4 UUID from r.
func newUUID(r *rand.Rand) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = (hi &^ (0xf << 12)) | (4 << 12)   // version 4
	lo = (lo &^ (0x3 << 62)) | (0x2 << 62) // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// isUUID reports whether s has the textual shape of a UUID.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// mix64 is SplitMix64's finaliser: a fast, well-spread hash of one word.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashString hashes s (FNV-1a, then mixed).
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// derivedRand returns a generator determined by the seed and the given
// labels: the same labels always give the same numbers.
func derivedRand(seed int64, labels ...string) *rand.Rand {
	h := mix64(uint64(seed))
	for _, l := range labels {
		h = mix64(h ^ hashString(l))
	}
	return rand.New(rand.NewPCG(h, mix64(h^0x5eed)))
}

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }
