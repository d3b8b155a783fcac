package store_test

import (
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The facts of the health rules per sender system: a system whose letters
// never reached the channel, another's that did; letters without a system
// are not judged. A letter the sender scheduled does not teach the channel's
// delivery time.
func TestSystemFactsAndDeliveryTimes(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var items []model.NewShipment
	for i := 0; i < 12; i++ {
		ns := danish(i)
		ns.SentAt = t0.Add(time.Duration(i) * 10 * time.Minute)
		ns.SenderSystem = []string{"Sagssystem", "Sagssystem", "SEPO", ""}[i%4]
		items = append(items, ns)
	}
	got := storetest.Register(t, st, items...)
	// The case system's letters arrive within two minutes; one waits, as
	// its sender scheduled, for a day; SEPO's never arrive.
	var entries []store.FeedEntry
	for i, sh := range got {
		if items[i].SenderSystem == "SEPO" {
			continue
		}
		at := sh.SentAt.Add(2 * time.Minute)
		if i == 0 {
			entries = append(entries, entry(fmt.Sprintf("d%d", i), sh.ChannelID, "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY", model.StateAccepted, "", sh.SentAt.Add(time.Second)))
			at = sh.SentAt.Add(24 * time.Hour)
		}
		entries = append(entries, entry(fmt.Sprintf("a%d", i), sh.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", at))
	}
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: entries}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(48 * time.Hour)
	// The log read over their time (every letter's word on it read): SEPO's
	// letters, which it never mentions, are judged as not reached; before
	// that read they are not judged at all.
	facts, err := st.SystemFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "digitalpost", After: time.Hour}}})
	if err != nil || len(facts) != 2 || facts[0].System != "SEPO" || facts[0].LastN != 0 || facts[0].Dropped != 3 {
		t.Fatalf("before the log's read: %+v %v; want SEPO's letters not judged (none of its last), 3 affected", facts, err)
	}
	if _, err := st.MarkFeedSynced(ctx, "digitalpost", time.Now(), t0); err != nil { // their poll_queue rows are due as of the database's clock
		t.Fatal(err)
	}
	scheduled := []string{"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"}
	for _, tt := range []struct {
		scheduled []string
		delivered int
		quantile  time.Duration
	}{{nil, 9, 24 * time.Hour}, {scheduled, 8, 2 * time.Minute}} {
		dt, err := st.DeliveryTimes(ctx, t0.Add(-time.Hour), now, 1, tt.scheduled)
		if err != nil || len(dt) != 1 || dt[0].Delivered != tt.delivered || dt[0].Quantile.Round(time.Second) != tt.quantile {
			t.Errorf("delivery times (scheduled %v): %+v %v; want %d letters, the longest %s", tt.scheduled, dt, err, tt.delivered, tt.quantile)
		}
	}
	facts, err = st.SystemFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "digitalpost", After: time.Hour, Scheduled: scheduled}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) != 2 {
		t.Fatalf("facts %+v, want SEPO's and Sagssystem's", facts)
	}
	sepo, sag := facts[0], facts[1]
	if sepo.System != "SEPO" || sepo.SenderOrg != "64942212" || sepo.LastN != 2 || sepo.LastReached != 0 || sepo.Dropped != 3 ||
		sepo.Baseline != 1 || sepo.BaseReached != 0 || sepo.ChannelSince != 6 || sepo.ChannelReachedSince != 4 {
		t.Errorf("SEPO: %+v", sepo)
	}
	if sag.System != "Sagssystem" || sag.LastN != 2 || sag.LastReached != 2 || sag.Dropped != 0 || sag.Baseline != 4 || sag.BaseReached != 4 {
		t.Errorf("Sagssystem: %+v", sag)
	}
}
