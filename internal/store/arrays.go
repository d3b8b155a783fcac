package store

import (
	"database/sql"
	"database/sql/driver"
	"strconv"
)

// anyKey is the condition "col is an element of the array parameter $n"
// (of element type typ), for col the leading column of an index, in a
// form whose plan does not hang on the array's length or the table's
// statistics: the array comes through a scalar subquery (an InitPlan), so
// the planner takes it for ten elements and probes the index, at every
// size of the table. With the array in sight (col = ANY($n), or a join to
// unnest($n)), a batch of a few hundred ids against a table of 5,000 to
// 20,000 letters, or one filled since its last ANALYZE, was read by a
// sequential scan, the whole table once per batch (issue 13).
func anyKey(col string, n int, typ string) string {
	p := "$" + strconv.Itoa(n) + "::" + typ + "[]"
	return col + " = ANY((SELECT " + p + ")::" + typ + "[])"
}

// nullTexts is an array parameter of text elements (text[], or any array
// type PostgreSQL reads from text: timestamptz[], uuid[]) whose invalid
// elements are NULL. It writes the literal pq.Array writes for a
// []sql.NullString, in one pass into a buffer sized once: pq's generic
// array goes through reflection and a driver.Value copy per element, and
// grows its buffer as it goes (encoding a poll batch's evidence payloads
// and times that way was a twentieth of a poll cycle's CPU).
type nullTexts []sql.NullString

// Value implements driver.Valuer.
func (a nullTexts) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	size := 2 + len(a)
	for _, s := range a {
		size += len(s.String) + len(s.String)/8 + 4
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, s := range a {
		if i > 0 {
			b = append(b, ',')
		}
		if !s.Valid {
			b = append(b, "NULL"...)
			continue
		}
		b = appendQuoted(b, s.String)
	}
	return string(append(b, '}')), nil
}

// appendQuoted appends s as a double-quoted array element, its double
// quotes and backslashes escaped by a backslash.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
