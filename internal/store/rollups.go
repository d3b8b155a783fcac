package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/model"

	"github.com/jmoiron/sqlx"
)

// The rollups behind the plain summaries (ListFilter.plain): materialised
// views per sender organisation and stage (migration 00009), refreshed
// every minute, and the per-organisation totals of the whole unopened list
// (migration 00019), whose page and totals the overview's default summary
// reads by index instead of ranking and counting every organisation per
// request.

// RollupMaxAge is how stale a rollup may be and still serve a summary.
const RollupMaxAge = 2 * time.Minute

// plain says whether a filter is one the rollups answer grouped by: the
// unopened list limited at most to a sender organisation and, by
// recipient, to a kind of recipient (the units' rollup knows none).
func (f ListFilter) plain(by GroupBy) bool {
	g := f
	g.SenderOrg, g.Limit, g.Cursor = "", 0, ""
	if by == ByRecipient {
		g.RecipientKind = ""
	}
	return (g.List == ListUnopened || g.List == "") && g == ListFilter{List: g.List}
}

// rollupFresh returns when the rollups were refreshed if they may serve
// this filter grouped by, else nil.
func (s *Store) rollupFresh(ctx context.Context, f ListFilter, by GroupBy) (*time.Time, error) {
	if !f.plain(by) {
		return nil, nil
	}
	var at *time.Time
	err := s.db.GetContext(ctx, &at, `SELECT refreshed_at FROM list_rollups
		WHERE refreshed_at > now() - $1 * interval '1 second'`, RollupMaxAge.Seconds())
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("check list rollups: %w", err)
	}
	return at, nil
}

// rollupSource is the summary's group source read from a rollup.
func rollupSource(c *sqlConds, f ListFilter, by GroupBy) string {
	where := "true"
	if f.SenderOrg != "" {
		c.args = append(c.args, f.SenderOrg)
		where = fmt.Sprintf("o.orgnr = $%d", len(c.args))
	}
	if by == ByUnit {
		return fmt.Sprintf(`SELECT m.sender_unit_id AS gid, sum(m.n)::bigint AS n, min(m.oldest) AS oldest, max(%s) AS stage_rank,
			max(m.max_reminders) AS max_reminders, max(m.last_reminder) AS last_reminder
		FROM unopened_by_unit m JOIN sender_units u ON u.id = m.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE %s GROUP BY m.sender_unit_id`, sqlStageRank("m.stage"), where)
	}
	if f.RecipientKind != "" {
		c.args = append(c.args, f.RecipientKind)
		where += fmt.Sprintf(" AND m.recipient_id IN (SELECT rk.id FROM recipients rk WHERE rk.kind = $%d)", len(c.args))
	}
	return fmt.Sprintf(`SELECT m.recipient_id AS gid, sum(m.n)::bigint AS n, min(m.oldest) AS oldest, max(%s) AS stage_rank,
			max(m.max_reminders) AS max_reminders, max(m.last_reminder) AS last_reminder
		FROM unopened_by_recipient m JOIN sender_orgs o ON o.id = m.sender_org_id
		WHERE %s GROUP BY m.recipient_id`, sqlStageRank("m.stage"), where)
}

// RefreshListSummaries recomputes the rollups behind the plain summaries
// and the overview (without blocking readers once they have been filled).
// Run it from a scheduled job every minute, once cluster-wide
// (TryExclusive). The organisations' names are filled first; then every
// rollup is computed in one REPEATABLE READ transaction, of one snapshot:
// the overview shows them under one "as of", and a letter registered or
// opened while they were refreshed one after another was in one and not in
// another (the totals by age, by organisation and by unit disagreed for a
// minute). A purge that marks them stale meanwhile fails the refresh with a
// serialization error; the next minute's does it.
func (s *Store) RefreshListSummaries(ctx context.Context) error {
	// Names from the register answers (the names job, the print fallback).
	if _, err := s.FillOrgNames(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("refresh list rollups: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var start time.Time
	if err := tx.GetContext(ctx, &start, `SELECT clock_timestamp()`); err != nil {
		return fmt.Errorf("refresh list rollups: %w", err)
	}
	for _, v := range []string{"unopened_by_recipient", "unopened_by_unit", "overview_unopened_days"} {
		if err := refreshView(ctx, tx, v); err != nil {
			return err
		}
	}
	if err := refreshRecipientTotals(ctx, tx); err != nil {
		return err
	}
	if err := refreshOverviewWeeks(ctx, tx, start); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE list_rollups SET refreshed_at = $1`, start); err != nil {
		return fmt.Errorf("refresh list rollups: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("refresh list rollups: commit: %w", err)
	}
	return nil
}

// refreshRecipientTotals recomputes unopened_by_recipient_total from the
// refreshed unopened_by_recipient in tx (readers see the old totals until
// it commits), the stage rank from the model's stage table.
func refreshRecipientTotals(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM unopened_by_recipient_total`); err != nil {
		return fmt.Errorf("refresh unopened totals: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO unopened_by_recipient_total
			(recipient_id, n, oldest, stage_rank, max_reminders, last_reminder)
		SELECT m.recipient_id, sum(m.n), min(m.oldest), max(`+sqlStageRank("m.stage")+`),
			max(m.max_reminders), max(m.last_reminder)
		FROM unopened_by_recipient m GROUP BY m.recipient_id`); err != nil {
		return fmt.Errorf("refresh unopened totals: %w", err)
	}
	return nil
}

// summariseRecipients is Summarise of the whole unopened list by receiving
// organisation, from unopened_by_recipient_total: the page by its index,
// the totals by one count; kind ("" for both) narrows it to the
// recipients of one kind (ListFilter.RecipientKind), read in the index's
// order as well.
func (s *Store) summariseRecipients(ctx context.Context, asOf time.Time, kind string, offset, limit int) (*ListSummary, error) {
	// Of every kind, the page is read from the index before the join;
	// of one, the index is read in order, joined, until the page is full.
	page := `SELECT * FROM unopened_by_recipient_total ORDER BY n DESC, oldest, recipient_id OFFSET $1 LIMIT $2`
	args := []any{offset, limit}
	if kind != "" {
		page = `SELECT t.* FROM unopened_by_recipient_total t JOIN recipients k ON k.id = t.recipient_id AND k.kind = $3
			ORDER BY t.n DESC, t.oldest, t.recipient_id OFFSET $1 LIMIT $2`
		args = append(args, kind)
	}
	groups := []ListGroup{}
	if err := s.db.SelectContext(ctx, &groups, `SELECT t.recipient_id AS gid, r.ident AS key, r.kind AS kind, r.name AS name,
			t.n, t.oldest, t.stage_rank, t.max_reminders, t.last_reminder
		FROM (`+page+`) t
		JOIN recipients r ON r.id = t.recipient_id
		ORDER BY t.n DESC, t.oldest, t.recipient_id`, args...); err != nil {
		return nil, fmt.Errorf("summarise unopened by recipient: %w", err)
	}
	sum := &ListSummary{Groups: groups, AsOf: &asOf}
	if err := s.db.QueryRowxContext(ctx, `SELECT count(*), COALESCE(sum(t.n), 0) FROM unopened_by_recipient_total t
		WHERE $1 = '' OR t.recipient_id IN (SELECT r.id FROM recipients r WHERE r.kind = $1)`, kind).
		Scan(&sum.TotalGroups, &sum.Total); err != nil {
		return nil, fmt.Errorf("summarise unopened by recipient: totals: %w", err)
	}
	for i := range groups {
		g := &groups[i]
		g.Stage = model.StageOfRank(g.StageRank)
		g.Groups, g.Total = sum.TotalGroups, sum.Total
	}
	return sum, nil
}
