package migrations_test

import (
	"strings"
	"testing"
)

// sqlCode is SQL text with its comments blanked, so a construct named in
// prose is not taken for SQL: "--" to the end of the line and /* */
// (nested, as PostgreSQL nests them), each left as one space. It reads
// quotes as PostgreSQL does: a '--' or '/*' in a string literal ('…',
// doubled quotes; E'…' with backslash escapes), in a quoted identifier
// ("…") or in a dollar-quoted string starts no comment, and a quote in a
// comment opens nothing. What quotes hold is kept, as it may be SQL run
// later (EXECUTE '…'); a dollar-quoted string's body, a function's
// mostly, is SQL again and has its comments blanked as well. Unclosed
// quotes and comments run to the end of the text.
func sqlCode(sql string) string {
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case strings.HasPrefix(sql[i:], "--"):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			i += end
			b.WriteByte(' ')
		case strings.HasPrefix(sql[i:], "/*"):
			i = blockCommentEnd(sql, i)
			b.WriteByte(' ')
		case c == '\'' || c == '"':
			end := quoteEnd(sql, i, c == '\'' && escapeString(sql, i))
			b.WriteString(sql[i:end])
			i = end
		case c == '$' && (i == 0 || !identByte(sql[i-1])):
			tag := dollarTag(sql[i:])
			if tag == "" {
				b.WriteByte(c)
				i++
				continue
			}
			body := sql[i+len(tag):]
			end := strings.Index(body, tag)
			if end < 0 {
				end = len(body)
			}
			b.WriteString(tag)
			b.WriteString(sqlCode(body[:end]))
			if end < len(body) {
				b.WriteString(tag)
			}
			i += len(tag) + min(end+len(tag), len(body))
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// blockCommentEnd is the index after the /* */ comment that starts at i,
// nested ones within it included.
func blockCommentEnd(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(sql)
}

// escapeString reports whether the string literal whose quote is at i is
// an escape string constant (E'…'): backslashes escape in it.
func escapeString(sql string, i int) bool {
	return i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !identByte(sql[i-2]))
}

// quoteEnd is the index after the quote q that closes the one at i: a
// doubled q is one q of the text; with escapes, so is a backslash and the
// byte after it.
func quoteEnd(sql string, i int, escapes bool) int {
	q := sql[i]
	for j := i + 1; j < len(sql); j++ {
		switch {
		case escapes && sql[j] == '\\':
			j++
		case sql[j] == q && j+1 < len(sql) && sql[j+1] == q:
			j++
		case sql[j] == q:
			return j + 1
		}
	}
	return len(sql)
}

// dollarTag is the dollar quote ("$$", "$body$") s starts with, or "" when
// s starts with none (a parameter, $1).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		switch {
		case s[j] == '$':
			return s[:j+1]
		case !identByte(s[j]) || j == 1 && s[j] >= '0' && s[j] <= '9':
			return ""
		}
	}
	return ""
}

// identByte reports whether b may be part of an identifier (or a dollar
// quote's tag): a letter, a digit, an underscore or a byte of a UTF-8
// letter.
func identByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// The scanner finds a construct wherever it is SQL, and only there: after
// a '--' or '/*' that a string literal, an E'…' string, a quoted identifier
// or a dollar-quoted string holds (where naive stripping of "--" to the
// end of the line lost it), after a comment holding a quote, in a
// function's body; not in a line comment, a nested block comment or a
// comment within a function's body.
func TestSQLCode(t *testing.T) {
	for _, tc := range []struct {
		sql   string
		found string // the construct the guard finds, "" none
	}{
		{"SELECT '--' AS dash, date_bin('1 hour', at, now()) FROM t", "date_bin("},
		{"SELECT 'it''s -- no comment', any_value(x) FROM t", "any_value("},
		{"SELECT E'\\'--', trim_array(ids, 1)", "trim_array("},
		{"SELECT E'\\\\', 1 -- trim_array(ids, 1)", ""},
		{`SELECT "a--b", bit_count(flags) FROM t`, "bit_count("},
		{"SELECT '/*', string_to_table(s, ',') -- */", "string_to_table("},
		{"SELECT $$ -- $$, bit_count(flags)", "bit_count("},
		{"SELECT $1, '$$', date_bin('1 hour', at, now()) -- $$", "date_bin("},
		{"SELECT 1 -- it's a comment\n, date_bin('1 hour', at, now())", "date_bin("},
		{"SELECT 1 /* it's */, any_value(x) FROM t", "any_value("},
		{"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n  MERGE INTO t USING s ON t.id = s.id;\nEND $fn$", "MERGE INTO"},
		{"SELECT 1 -- MERGE INTO t USING s, date_bin(", ""},
		{"/* MERGE INTO t /* nested */ date_bin( */ SELECT 1", ""},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$\nBEGIN -- MERGE INTO t\n  RETURN 1; /* any_value( */\nEND $fn$", ""},
		{"SELECT ids[1], ARRAY['a'], x ~ '^[0-9]{8}$' FROM t -- merge into one row", ""},
	} {
		got := ""
		code := sqlCode(tc.sql)
		for _, c := range newerThan13 {
			if m := find(c.re, c.except, code); m != "" {
				got = m
				break
			}
		}
		if !strings.EqualFold(strings.Join(strings.Fields(got), " "), tc.found) {
			t.Errorf("%q: the guard finds %q, want %q (scanned as %q)", tc.sql, got, tc.found, code)
		}
	}
}
