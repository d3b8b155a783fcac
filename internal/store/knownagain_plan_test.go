package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
)

// TestFinishFeedClearUnknownProbesThePrimaryKey: the feed's finish step
// (clearUnknown with finishFeedWith and finishFeedCond) for a page of 500
// letters read whole, against 5,000 letters, analyzed, a tenth of them
// marked unknown to the channel: its plan reads the letters and their poll
// queue rows through their primary keys, and the letters' events through
// their index, with no sequential scan (with the ids in sight, id =
// ANY($1::uuid[]), the planner read the whole poll queue, and the letters
// through the unknown-marked index driven by a sequential scan of every
// letter's events).
func TestFinishFeedClearUnknownProbesThePrimaryKey(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, pgtest.New(t), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	items := make([]model.NewShipment, 5000)
	for i := range items {
		items[i] = model.NewShipment{Channel: "digitalpost", ChannelID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			SenderOrg: "29189846", SenderUnit: "Borgerservice", RecipientKind: model.RecipientOrg, RecipientID: "29189838",
			Title: "Afgørelse", Confidential: true, Class: "fortroligt", SentAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	}
	ships, _, err := st.Register(ctx, items, SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, 500)
	for i := 0; i < len(ships); i += 10 {
		ids = append(ids, ships[i].ID)
	}
	if _, err := st.db.ExecContext(ctx, `UPDATE shipments SET unknown_to_channel_since = now() WHERE id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.ExecContext(ctx, `ANALYZE shipments, poll_queue`); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := st.db.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+clearUnknownSQL(finishFeedWith, finishFeedCond),
		pq.Array(ids), EventChannel).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(raw, &plans); err != nil {
		t.Fatalf("plan %s: %v", raw, err)
	}
	scans := map[string][]string{} // table → how each of its scans reads it
	plans[0].Plan.scans(scans)
	for _, table := range []string{"shipments", "poll_queue", "shipment_events"} {
		for _, how := range scans[table] {
			if how == "Seq Scan" {
				t.Errorf("a sequential scan of %s in the feed's finish step (%v), want its indexes", table, scans)
			}
		}
	}
	if !slices.Contains(scans["shipments"], "shipments_pkey") || !slices.Contains(scans["poll_queue"], "poll_queue_pkey") {
		t.Errorf("the letters and their poll queue rows read by %v, want their primary keys", scans)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON), as far as scans reads it.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

// scans adds, per table read at or below n, how it is read: the index's
// name, or the node's type (Seq Scan) for a read without one.
func (n planNode) scans(into map[string][]string) {
	if n.Relation != "" && n.NodeType != "ModifyTable" {
		how := n.Index
		if how == "" {
			how = n.NodeType
		}
		into[n.Relation] = append(into[n.Relation], how)
	}
	for _, p := range n.Plans {
		p.scans(into)
	}
}
