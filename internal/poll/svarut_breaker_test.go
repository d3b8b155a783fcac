package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/storetest"
)

// TestSvarUtHistoriesDownStatusesRead: SvarUt's hendelser fail (500) while
// its status-sok answers. Each history missed is noted and asked again; the
// statuses of the cycle's other batches are read all the same.
func TestSvarUtHistoriesDownStatusesRead(t *testing.T) {
	now := t0
	const n = 12
	st, ships, f, _ := revSetup(t, n, now.Add(-3*time.Hour))
	srv := f.server(t)
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: log, BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svarut.New(svarut.Config{BaseURL: srv.URL, KontoID: hostileKonto, IntegrasjonID: "i", IntegrasjonPassord: "p", BatchSize: n / 2, Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range n {
		f.records[revID(i)] = []string{revRec(revID(i), "VARSLET", now.Add(-time.Hour))}
		f.histErr[revID(i)] = true
		ids = append(ids, ships[i].ID)
	}
	storetest.Set(t, st, ids, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch)
	if err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	for i := range n {
		if q := revRow(t, st, ships[i].ID); q.State != "available" || !q.HistDue {
			t.Errorf("letter %d: state %s, history due %v; want available, its history due", i, q.State, q.HistDue)
		}
	}
	if sum.Failed != 0 {
		t.Errorf("%d failed calls; the status calls all answered\n%s", sum.Failed, buf.String())
	}
}
