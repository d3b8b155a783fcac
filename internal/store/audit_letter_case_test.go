package store_test

import (
	"slices"
	"testing"

	"postvakt/internal/storetest"
)

// A letter is found in the audit log by its channel id as the lists' and
// the API's channel_id filter find it: a UUID in any case (a case system
// on SQL Server shows it in upper case), stored in lower case. Written in
// upper case it found nothing, and the log read as if no one had seen the
// letter.
func TestAuditLetterObjectsChannelIDAnyCase(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	n := sample(1)
	n.ChannelID = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	letter := storetest.Register(t, st, n)[0]
	for _, typed := range []string{
		"d6b23522-ddf3-462a-8140-16e59e1f476d",
		"D6B23522-DDF3-462A-8140-16E59E1F476D",
		" D6b23522-ddf3-462a-8140-16e59e1f476D ",
	} {
		got, err := st.AuditLetterObjects(ctx, "964338531", typed)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got, "shipment "+letter.ID) {
			t.Errorf("letter by channel id %q: objects %v, want shipment %s among them", typed, got, letter.ID)
		}
	}
}
