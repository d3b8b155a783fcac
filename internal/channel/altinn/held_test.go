package altinn

import (
	"context"
	"testing"
	"time"
)

// TestNotesFakeAltinnHeldUntil: a correspondence Altinn has not published
// yet says when it is to be (requestedPublishTime), which the poller keeps
// while it is ahead; once published, nothing is held.
func TestNotesFakeAltinnHeldUntil(t *testing.T) {
	later := time.Date(2025, 3, 20, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		hist []nfEntry
		want time.Time
	}{
		{nfHist("Initialized"), later},
		{nfHist("Initialized", "ReadyForPublish"), later},
		{nfHist("Initialized", "ReadyForPublish", "Published"), time.Time{}},
		{nfHist("Initialized", "ReadyForPublish", "Published", "Read"), time.Time{}},
		{nfHist("Initialized", "ReadyForPublish", "Reserved"), time.Time{}},
	}
	f := newNFAltinn(t)
	var ids []string
	for i, c := range cases {
		f.add(&nfCorr{id: nfID(i), history: c.hist, published: later})
		ids = append(ids, nfID(i))
	}
	obs, err := nfAdapter(t, f).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obs {
		if o.Err != nil || !o.HeldUntil.Equal(cases[i].want) {
			t.Errorf("%v: held until %v (%v), want %v", cases[i].hist, o.HeldUntil, o.Err, cases[i].want)
		}
	}
}
