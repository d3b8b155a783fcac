package store

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// CountIncidents counts the letters each filter selects (CountIncident's
// count of each), in the filters' order, in one statement: the health
// evaluation counts every alert's letters at once.
//
// The filters' conditions are where's, the one rule, with each parameter
// read from a column of the filter's row instead: filters with the same
// conditions (a rule's alerts, which differ in their values only) become
// rows of one VALUES list joined to the letters, so that the letters are
// read once for all of them and each is sent to its filters by a hash
// join on the conditions' equalities (channel, unit, ...), not once per
// filter. Nested loops are off for the statement: with the values in
// columns the planner cannot see how many letters a filter selects,
// guesses one, and would look each filter's letters up by index, as many
// CountIncident calls do (50 alerts at 1,000,000 letters: 5-10 s, 1.3-1.8 s
// hashed, on a loaded machine; see README, Health rules and alerts). JIT is
// off too: compiling the conditions costs more than it saves here.
func (s *Store) CountIncidents(ctx context.Context, fs []IncidentFilter) ([]int, error) {
	out := make([]int, len(fs))
	for at := 0; at < len(fs); at += incidentCountsBatch {
		part := fs[at:min(len(fs), at+incidentCountsBatch)]
		q, args, err := incidentCountsQuery(part)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			I int `db:"i"`
			N int `db:"n"`
		}
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_nestloop = off; SET LOCAL jit = off`); err != nil {
				return err
			}
			return tx.SelectContext(ctx, &rows, q, args...)
		})
		if err != nil {
			return nil, fmt.Errorf("count the letters of %d incidents: %w", len(part), err)
		}
		for _, r := range rows {
			out[at+r.I] = r.N
		}
	}
	return out, nil
}

// incidentCountsBatch is how many filters CountIncidents counts in one
// statement (each brings up to a dozen parameters; PostgreSQL takes
// 65,535); a variable for tests.
var incidentCountsBatch = 500

// placeholder is a parameter of where's conditions ($1, $2, ...).
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// incidentCountsQuery is CountIncidents' statement for fs: a row (i, n)
// for each filter fs[i] that selects n > 0 letters. Each filter's
// conditions are where's with its parameter $k read as column pk of the
// filter's row; filters whose conditions read the same (and whose
// parameters have the same types) are rows of one VALUES list, each list
// joined to the letters once, the lists' counts in a UNION ALL.
func incidentCountsQuery(fs []IncidentFilter) (string, []any, error) {
	type group struct {
		cond  string
		types []string
		rows  []string
	}
	var groups []*group
	byConds := map[string]*group{}
	var args []any
	for i, f := range fs {
		var c sqlConds
		if err := f.where(&c); err != nil {
			return "", nil, fmt.Errorf("incident filter %d (%s): %w", i, f, err)
		}
		types := make([]string, len(c.args))
		for k, a := range c.args {
			t, err := sqlType(a)
			if err != nil {
				return "", nil, fmt.Errorf("incident filter %d (%s), parameter %d: %w", i, f, k+1, err)
			}
			types[k] = t
		}
		cond := placeholder.ReplaceAllString(c.String(), "f.p$1")
		key := cond + "\x00" + strings.Join(types, ",")
		g := byConds[key]
		if g == nil {
			g = &group{cond: cond, types: types}
			byConds[key] = g
			groups = append(groups, g)
		}
		args = append(args, i)
		row := []string{"$" + strconv.Itoa(len(args)) + "::int"}
		for k, a := range c.args {
			args = append(args, a)
			row = append(row, "$"+strconv.Itoa(len(args))+"::"+types[k])
		}
		g.rows = append(g.rows, "("+strings.Join(row, ", ")+")")
	}
	parts := make([]string, len(groups))
	for j, g := range groups {
		cols := []string{"i"}
		for k := range g.types {
			cols = append(cols, "p"+strconv.Itoa(k+1))
		}
		parts[j] = `SELECT f.i, count(*) AS n` + shipmentFrom + `, (VALUES ` + strings.Join(g.rows, ", ") + `) AS f(` +
			strings.Join(cols, ", ") + `) WHERE ` + g.cond + ` GROUP BY f.i`
	}
	return strings.Join(parts, " UNION ALL "), args, nil
}

// sqlType is the SQL type of a parameter of where's conditions.
func sqlType(v any) (string, error) {
	switch v.(type) {
	case string:
		return "text", nil
	case time.Time:
		return "timestamptz", nil
	case pq.GenericArray, *pq.StringArray:
		return "text[]", nil
	}
	return "", fmt.Errorf("no SQL type known for %T", v)
}
