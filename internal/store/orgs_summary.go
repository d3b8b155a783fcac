package store

import (
	"context"
	"fmt"
	"time"

	"postvakt/internal/model"
)

// SummariseOrgs is a list's summary by receiving organisation as the pages
// and the API show it: the organisations ranked (Summarise by recipient
// narrowed to model.RecipientOrg: the same page, totals and AsOf) and
// persons, how many of the list's letters go to persons (the Total of
// Summarise narrowed to model.RecipientPerson), in one statement over
// what Summarise reads, the rollups or the letters. f's RecipientKind is
// not read.
func (s *Store) SummariseOrgs(ctx context.Context, f ListFilter, offset, limit int) (sum *ListSummary, persons int, err error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	f.RecipientKind = ""
	var c sqlConds
	source, err := liveSource(&c, f, ByRecipient)
	if err != nil {
		return nil, 0, err
	}
	asOf, err := s.rollupFresh(ctx, f, ByRecipient)
	if err != nil {
		return nil, 0, err
	}
	var with, tot, page string
	if asOf != nil && f.SenderOrg == "" {
		// The whole unopened list: from the totals table, every
		// recipient's letters counted in one pass and the persons' by
		// their index on recipients (so no join over the organisations:
		// a kind is an organisation or a person); the organisations'
		// page read in the table's index order until it is full.
		c = sqlConds{}
		c.args = append(c.args, model.RecipientOrg, model.RecipientPerson, offset, limit)
		tot = `SELECT a.groups - p.groups AS groups, a.total - p.total AS total, p.total AS persons
		FROM (SELECT count(*) AS groups, COALESCE(sum(n), 0)::bigint AS total FROM unopened_by_recipient_total) a,
			(SELECT count(*) AS groups, COALESCE(sum(t.n), 0)::bigint AS total FROM unopened_by_recipient_total t
				JOIN recipients k ON k.id = t.recipient_id AND k.kind = $2) p`
		page = `SELECT t.recipient_id AS gid, t.n, t.oldest, t.stage_rank, t.max_reminders, t.last_reminder
		FROM unopened_by_recipient_total t JOIN recipients k ON k.id = t.recipient_id AND k.kind = $1
		ORDER BY t.n DESC, t.oldest, t.recipient_id OFFSET $3 LIMIT $4`
	} else {
		// Else the groups with their recipient's kind, counted once (k
		// is read twice, so materialised) from the rollup or the letters.
		if asOf != nil {
			c = sqlConds{}
			source = rollupSource(&c, f, ByRecipient)
		}
		c.args = append(c.args, model.RecipientOrg, model.RecipientPerson, offset, limit)
		n := len(c.args)
		tot = fmt.Sprintf(`SELECT count(*) FILTER (WHERE kind = $%[1]d) AS groups,
			COALESCE(sum(n) FILTER (WHERE kind = $%[1]d), 0)::bigint AS total,
			COALESCE(sum(n) FILTER (WHERE kind = $%[2]d), 0)::bigint AS persons
		FROM k`, n-3, n-2)
		page = fmt.Sprintf(`SELECT gid, n, oldest, stage_rank, max_reminders, last_reminder FROM k
		WHERE kind = $%d ORDER BY n DESC, oldest, gid OFFSET $%d LIMIT $%d`, n-3, n-1, n)
		with = `k AS (
		SELECT g.*, r.kind FROM (` + source + `) g JOIN recipients r ON r.id = g.gid
	), `
	}
	q := `WITH ` + with + `tot AS (` + tot + `
	), page AS (` + page + `
	)
	SELECT p.gid, r.ident AS key, r.kind, r.name, p.n, p.oldest, p.stage_rank, p.max_reminders, p.last_reminder,
		tot.groups, tot.total, tot.persons
	FROM tot LEFT JOIN (page p JOIN recipients r ON r.id = p.gid) ON true
	ORDER BY p.n DESC, p.oldest, p.gid`
	// One row per group of the page, each with the totals; a page past
	// the end (or of no group) one row of the totals alone.
	var rows []struct {
		RowID        *int64     `db:"gid"`
		Key          *string    `db:"key"`
		Kind         *string    `db:"kind"`
		Name         *string    `db:"name"`
		Count        *int       `db:"n"`
		Oldest       *time.Time `db:"oldest"`
		StageRank    *int       `db:"stage_rank"`
		MaxReminders *int       `db:"max_reminders"`
		LastReminder *time.Time `db:"last_reminder"`
		Groups       int        `db:"groups"`
		Total        int        `db:"total"`
		Persons      int        `db:"persons"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, c.args...); err != nil {
		return nil, 0, fmt.Errorf("summarise %s by receiving organisation: %w", f.List, err)
	}
	sum = &ListSummary{Groups: []ListGroup{}, AsOf: asOf}
	for _, r := range rows {
		sum.TotalGroups, sum.Total, persons = r.Groups, r.Total, r.Persons
		if r.RowID == nil {
			continue
		}
		sum.Groups = append(sum.Groups, ListGroup{RowID: *r.RowID, Key: *r.Key, Kind: *r.Kind, Name: *r.Name,
			Count: *r.Count, Oldest: *r.Oldest, StageRank: *r.StageRank, Stage: model.StageOfRank(*r.StageRank),
			MaxReminders: *r.MaxReminders, Groups: r.Groups, Total: r.Total, LastReminder: r.LastReminder})
	}
	return sum, persons, nil
}
