package model

import (
	"testing"
	"time"
)

// BenchmarkValidate is the per-row cost of registration validation (API and
// CSV import alike).
func BenchmarkValidate(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := NewShipment{Channel: "svarut", ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: "964338531",
		SenderUnit: "Barnevernstjenesten", RecipientKind: "org", RecipientID: "974760673", Title: "T",
		Confidential: true, Class: "taushetsbelagt", SentAt: now.Add(-time.Hour)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if errs := s.Validate(now, nil); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}
