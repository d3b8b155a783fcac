package calendar

import (
	"testing"
	"time"
)

// BenchmarkAddBusinessDays is the calendar's share of deciding one
// shipment's escalation step.
func BenchmarkAddBusinessDays(b *testing.B) {
	c, err := Get("NO")
	if err != nil {
		b.Fatal(err)
	}
	t := time.Date(2026, 3, 30, 10, 0, 0, 0, c.Location()) // the Monday before Easter
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if got := c.AddBusinessDays(t, 10); !got.After(t) {
			b.Fatal(got)
		}
	}
}
