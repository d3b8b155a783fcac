package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestMaskLeavesUUIDsWhole: a letter's or a shipment's UUID whose hex
// groups hold digit runs shaped like a national id (11 digits, 10, or 6, a
// hyphen and 4) stays whole, in text and in JSON; a national id beside it
// is still masked.
func TestMaskLeavesUUIDsWhole(t *testing.T) {
	for _, id := range []string{
		"0195a7b8-1111-7222-8333-a94445555666", // 11 digits
		"0195a7b8-1111-7222-8333-ab4445555666", // 10 digits
		"ab123456-1234-4abc-8def-abcdefabcdef", // 6 digits, '-', 4 digits
		"01234567-8901-4234-8678-901234567890",
	} {
		for _, in := range []string{"letter " + id + " read", `{"correspondenceId":"` + id + `"}`, "/shipments/" + id} {
			if out := string(MaskNationalIDsIn([]byte(in))); out != in {
				t.Errorf("%q masked to %q", in, out)
			}
		}
		if out := string(MaskNationalIDsIn([]byte(id + " by 01017012345"))); out != id+" by 010170*****" {
			t.Errorf("beside %s: %q", id, out)
		}
	}
	// Random v4 UUIDs: none changed (about one in sixty was).
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		hi, lo := r.Uint64(), r.Uint64()
		id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", hi>>32, hi>>16&0xffff, hi&0xfff, lo>>48&0xfff, lo&0xffffffffffff)
		if out := string(MaskNationalIDsIn([]byte(id))); out != id {
			t.Fatalf("%s masked to %s", id, out)
		}
	}
}
