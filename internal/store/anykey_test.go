package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/lib/pq"

	"postvakt/internal/pgtest"
)

// TestAnyKeyProbesTheIndex: a batch of 500 ids (some twice, as
// appendEvents gets them) against a table of 5,000 rows of a letter's width,
// analyzed, is read through the primary key in the three shapes anyKey
// serves (a join to unnest as appendEvents checks its letters, an UPDATE
// joined to unnest as the feed moves states, a plain UPDATE as the feed
// resets poll_queue): no sequential scan of the table (with the array in
// sight, id = ANY($1), the planner scans the whole table for the UPDATEs
// at this size). The join finds each row once per element, and the
// UPDATEs touch each id once.
func TestAnyKeyProbesTheIndex(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE t (id uuid PRIMARY KEY, n int NOT NULL, pad text NOT NULL)`,
		`INSERT INTO t SELECT gen_random_uuid(), i, repeat('x', 500) FROM generate_series(1, 5000) i`,
		`ANALYZE t`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	if err := db.QueryRowContext(ctx, `SELECT array_agg(id ORDER BY random()) FROM (SELECT id FROM t ORDER BY n LIMIT 450) x`).
		Scan(pq.Array(&ids)); err != nil {
		t.Fatal(err)
	}
	batch := append(ids, ids[:50]...)
	shapes := map[string]string{
		"join": `SELECT t.n FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord) JOIN t ON t.id = u.id
			WHERE ` + anyKey("t.id", 1, "uuid") + ` ORDER BY u.ord`,
		"update join": `UPDATE t SET n = t.n + 1 FROM unnest($1::uuid[]) AS u(id)
			WHERE ` + anyKey("t.id", 1, "uuid") + ` AND t.id = u.id`,
		"update": `UPDATE t SET n = t.n + 1 WHERE ` + anyKey("t.id", 1, "uuid"),
	}
	for name, q := range shapes {
		if scans := seqScans(t, db, q, batch); scans != 0 {
			t.Errorf("%s: %d sequential scans of t, want the primary key: %s", name, scans, q)
		}
	}
	var found int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (`+shapes["join"]+`) x`, pq.Array(batch)).Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != len(batch) {
		t.Errorf("join found %d rows for %d elements, want one each", found, len(batch))
	}
	for _, name := range []string{"update join", "update"} {
		res, err := db.ExecContext(ctx, shapes[name], pq.Array(batch))
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(ids)) {
			t.Errorf("%s updated %d rows, want %d (each id once)", name, n, len(ids))
		}
	}
}

// seqScans counts the sequential scans of t in q's plan for ids.
func seqScans(t *testing.T, db *sql.DB, q string, ids []string) int {
	t.Helper()
	var raw []byte
	if err := db.QueryRowContext(context.Background(), `EXPLAIN (FORMAT JSON) `+q, pq.Array(ids)).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	var plans []struct{ Plan scanNode }
	if err := json.Unmarshal(raw, &plans); err != nil {
		t.Fatalf("plan %s: %v", raw, err)
	}
	return plans[0].Plan.seqScans("t")
}

// scanNode is a node of EXPLAIN (FORMAT JSON), as far as seqScans reads it.
type scanNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []scanNode `json:"Plans"`
}

// seqScans counts the sequential scans of table at and below n.
func (n scanNode) seqScans(table string) int {
	c := 0
	if n.NodeType == "Seq Scan" && n.Relation == table {
		c++
	}
	for _, p := range n.Plans {
		c += p.seqScans(table)
	}
	return c
}
