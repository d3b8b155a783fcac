package calendar

import (
	"testing"
	"time"
)

// TestDanishPublicOfficeClosingDays: the DK calendar's days off include
// those that are no helligdag by law but on which public offices and banks
// are closed: Grundlovsdag, Juleaftensdag and Nytårsaftensdag (state and
// municipal offices closed all day; no Danish bank day). No reminder goes
// out to a Danish company on Christmas Eve, and no print window ends on it.
func TestDanishPublicOfficeClosingDays(t *testing.T) {
	dk := mustGet(t, "DK")
	for _, d := range []struct {
		y int
		m time.Month
		d int
	}{
		{2026, time.June, 5},      // Grundlovsdag (counted today)
		{2026, time.December, 24}, // Juleaftensdag, a Thursday
		{2026, time.December, 31}, // Nytårsaftensdag, a Thursday
		{2025, time.December, 24}, // a Wednesday
		{2025, time.December, 31},
	} {
		if dk.IsBusinessDate(d.y, d.m, d.d) {
			t.Errorf("DK %d-%02d-%02d is a business day; Danish public offices are closed", d.y, d.m, d.d)
		}
	}
	// Three business days from Tuesday 22 December 2026: 23, 28, 29 (not 23, 24, 28).
	from := time.Date(2026, time.December, 22, 10, 0, 0, 0, dk.Location())
	if got := dk.AddBusinessDays(from, 3); got.Day() != 29 {
		t.Errorf("3 Danish business days after 22 Dec 2026 = %s, want 29 Dec (23, 28, 29)", got.Format("2006-01-02"))
	}
}
