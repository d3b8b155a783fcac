package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// CountIncidents counts the letters each filter selects (CountIncident's
// count of each), in the filters' order, in at most two statements for
// each incidentCountsBatch (500) filters: the health evaluation counts
// every alert's letters at once.
//
// The filters' conditions are where's, the one rule. Filters whose
// conditions read alike (a rule's alerts, which differ in their values
// only) are counted together: a value they differ in (the unit, say) is
// read from a column of the filter's row in a VALUES list joined to the
// letters, a value they share stays a parameter. The letters are read
// once for all of them and each sent to its filters by a hash join on the
// conditions' equalities, not looked up once per filter: nested loops are
// off for that statement, as with the values in columns the planner
// cannot see how many letters a filter selects, guesses one, and would
// look each filter's letters up by index, as many CountIncident calls do
// (50 alerts at 1,000,000 letters: 5-11 s, 1.2-1.8 s hashed, on a loaded
// machine; see README, Health rules and alerts). JIT is off too: compiling
// the conditions costs more than it saves here. A filter unlike every
// other is counted as CountIncident counts it, in a second statement
// planned as usual.
func (s *Store) CountIncidents(ctx context.Context, fs []IncidentFilter) ([]int, error) {
	out := make([]int, len(fs))
	for at := 0; at < len(fs); at += incidentCountsBatch {
		part := fs[at:min(len(fs), at+incidentCountsBatch)]
		shared, single, err := incidentCountsQueries(part)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			I int `db:"i"`
			N int `db:"n"`
		}
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			if single.sql != "" {
				if err := tx.SelectContext(ctx, &rows, single.sql, single.args...); err != nil {
					return err
				}
			}
			if shared.sql == "" {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_nestloop = off; SET LOCAL jit = off`); err != nil {
				return err
			}
			var more []struct {
				I int `db:"i"`
				N int `db:"n"`
			}
			if err := tx.SelectContext(ctx, &more, shared.sql, shared.args...); err != nil {
				return err
			}
			rows = append(rows, more...)
			return nil
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
// go (each brings up to a dozen parameters; PostgreSQL takes 65,535); a
// variable for tests.
var incidentCountsBatch = 500

// placeholder is a parameter of where's conditions ($1, $2, ...).
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// countsQuery is a statement of CountIncidents: rows (i, n), the count n
// of fs[i] where it is not 0.
type countsQuery struct {
	sql  string
	args []any
}

// incidentCountsQueries are CountIncidents' statements for fs: shared
// counts the filters whose conditions read like another's, single the
// others. Each filter's conditions are where's; in shared, filters whose
// conditions read alike (and whose parameters have the same types) are
// rows of one VALUES list, their parameter $k column pk where they differ
// in it, each list joined to the letters once, the lists' counts in a
// UNION ALL.
func incidentCountsQueries(fs []IncidentFilter) (shared, single countsQuery, err error) {
	type filter struct {
		i      int
		args   []any
		values []string // args, comparable
	}
	type group struct {
		cond    string
		types   []string
		filters []filter
	}
	var groups []*group
	byConds := map[string]*group{}
	for i, f := range fs {
		var c sqlConds
		if err := f.where(&c); err != nil {
			return shared, single, fmt.Errorf("incident filter %d (%s): %w", i, f, err)
		}
		types := make([]string, len(c.args))
		values := make([]string, len(c.args))
		for k, a := range c.args {
			if types[k], values[k], err = sqlParam(a); err != nil {
				return shared, single, fmt.Errorf("incident filter %d (%s), parameter %d: %w", i, f, k+1, err)
			}
		}
		key := c.String() + "\x00" + strings.Join(types, ",")
		g := byConds[key]
		if g == nil {
			g = &group{cond: c.String(), types: types}
			byConds[key] = g
			groups = append(groups, g)
		}
		g.filters = append(g.filters, filter{i, c.args, values})
	}
	var sharedParts, singleParts []string
	for _, g := range groups {
		q := &shared
		if len(g.filters) == 1 {
			q = &single
		}
		param := func(v any, typ string) string {
			q.args = append(q.args, v)
			return "$" + strconv.Itoa(len(q.args)) + "::" + typ
		}
		// A parameter the filters share stays one; one they differ in is
		// a column of their rows.
		ref := make([]string, len(g.types))
		cols := []string{"i"}
		for k, typ := range g.types {
			differ := false
			for _, f := range g.filters[1:] {
				differ = differ || f.values[k] != g.filters[0].values[k]
			}
			if differ {
				ref[k] = "f.p" + strconv.Itoa(k+1)
				cols = append(cols, "p"+strconv.Itoa(k+1))
			} else {
				ref[k] = param(g.filters[0].args[k], typ)
			}
		}
		rows := make([]string, len(g.filters))
		for j, f := range g.filters {
			row := []string{param(f.i, "int")}
			for k, typ := range g.types {
				if strings.HasPrefix(ref[k], "f.") {
					row = append(row, param(f.args[k], typ))
				}
			}
			rows[j] = "(" + strings.Join(row, ", ") + ")"
		}
		cond := placeholder.ReplaceAllStringFunc(g.cond, func(p string) string {
			k, _ := strconv.Atoi(p[1:])
			return ref[k-1]
		})
		part := `SELECT f.i, count(*) AS n` + shipmentFrom + `, (VALUES ` + strings.Join(rows, ", ") + `) AS f(` +
			strings.Join(cols, ", ") + `) WHERE ` + cond + ` GROUP BY f.i`
		if q == &single {
			singleParts = append(singleParts, part)
		} else {
			sharedParts = append(sharedParts, part)
		}
	}
	shared.sql = strings.Join(sharedParts, " UNION ALL ")
	single.sql = strings.Join(singleParts, " UNION ALL ")
	return shared, single, nil
}

// sqlParam is the SQL type of a parameter of where's conditions, and its
// value as text (equal for equal values).
func sqlParam(v any) (typ, value string, err error) {
	switch v := v.(type) {
	case string:
		return "text", v, nil
	case int64: // a unit's id (IncidentFilter.UnitID)
		return "bigint", strconv.FormatInt(v, 10), nil
	case time.Time:
		return "timestamptz", v.UTC().Format(time.RFC3339Nano), nil
	case pq.GenericArray, *pq.StringArray:
		a, err := v.(driver.Valuer).Value()
		if err != nil {
			return "", "", err
		}
		return "text[]", fmt.Sprintf("%s", a), nil
	}
	return "", "", fmt.Errorf("no SQL type known for %T", v)
}
