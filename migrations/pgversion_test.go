package migrations_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"postvakt/migrations"
)

// newerThan13 lists SQL that PostgreSQL 13, the oldest version SPEC.md and
// README promise, refuses, each with the version that brought it. It is a
// guard, not a proof: a list of constructs someone is likely to reach for,
// matched by regular expression in the SQL's text (comments removed: sqlCode), so it
// misses what it does not list and what is spelled unusually. The proof is
// running the tests on PostgreSQL 13 (README, Deploy with an external
// PostgreSQL); this catches the common slips between those runs.
var newerThan13 = []struct {
	what    string
	version int
	re      *regexp.Regexp
	example string         // SQL the expression must match: the guard can fail
	except  *regexp.Regexp // a match that is also this is fine
}{
	{"NULLS NOT DISTINCT", 15, regexp.MustCompile(`(?i)\bNULLS\s+NOT\s+DISTINCT\b`), `UNIQUE NULLS NOT DISTINCT (a, b)`, nil},
	{"MERGE", 15, regexp.MustCompile(`(?i)\bMERGE\s+INTO\b`), `MERGE INTO t USING s ON t.id = s.id`, nil},
	{"security_invoker views", 15, regexp.MustCompile(`(?i)\bsecurity_invoker\b`), `CREATE VIEW v WITH (security_invoker = true) AS SELECT 1`, nil},
	{"ALTER … SET ACCESS METHOD", 15, regexp.MustCompile(`(?i)\bSET\s+ACCESS\s+METHOD\b`), `ALTER TABLE t SET ACCESS METHOD heap`, nil},
	{"regexp_count/instr/like/substr", 15, regexp.MustCompile(`(?i)\bregexp_(count|instr|like|substr)\s*\(`), `WHERE regexp_like(name, '^a')`, nil},
	{"ON DELETE SET NULL/DEFAULT (columns)", 15, regexp.MustCompile(`(?i)\bON\s+DELETE\s+SET\s+(NULL|DEFAULT)\s*\(`), `REFERENCES p ON DELETE SET NULL (parent_id)`, nil},
	{"multiranges, range_agg", 14, regexp.MustCompile(`(?i)\b(range_agg|range_intersect_agg|\w*multirange\w*)\b`), `SELECT range_agg(during) FROM t`, nil},
	{"CREATE OR REPLACE TRIGGER", 14, regexp.MustCompile(`(?i)\bCREATE\s+OR\s+REPLACE\s+(CONSTRAINT\s+)?TRIGGER\b`), `CREATE OR REPLACE TRIGGER t BEFORE UPDATE ON x`, nil},
	{"date_bin", 14, regexp.MustCompile(`(?i)\bdate_bin\s*\(`), `SELECT date_bin('15 minutes', at, now())`, nil},
	{"string_to_table", 14, regexp.MustCompile(`(?i)\bstring_to_table\s*\(`), `SELECT string_to_table('a,b', ',')`, nil},
	{"trim_array", 14, regexp.MustCompile(`(?i)\btrim_array\s*\(`), `SELECT trim_array(ids, 1)`, nil},
	{"BEGIN ATOMIC function bodies", 14, regexp.MustCompile(`(?i)\bBEGIN\s+ATOMIC\b`), `LANGUAGE sql BEGIN ATOMIC SELECT 1; END`, nil},
	{"GROUP BY DISTINCT", 14, regexp.MustCompile(`(?i)\bGROUP\s+BY\s+DISTINCT\b`), `GROUP BY DISTINCT ROLLUP (a)`, nil},
	{"SEARCH/CYCLE clauses", 14, regexp.MustCompile(`(?i)\bSEARCH\s+(DEPTH|BREADTH)\s+FIRST\b|\bCYCLE\s+\w+(\s*,\s*\w+)*\s+SET\b`), `) SEARCH DEPTH FIRST BY id SET ord`, nil},
	{"JSON subscripting", 14, regexp.MustCompile(`\w+\s*\[\s*'|\)\s*\[\s*'`), `SELECT payload['kind'] FROM t`, regexp.MustCompile(`(?i)^ARRAY\s*\[`)},
	{"split_part with a negative field", 14, regexp.MustCompile(`(?i)\bsplit_part\s*\([^;]*?,\s*-\s*\d+\s*\)`), `SELECT split_part(name, '.', -1)`, nil},
	{"column COMPRESSION", 14, regexp.MustCompile(`(?i)\bCOMPRESSION\s+(pglz|lz4|default)\b`), `ADD COLUMN body text COMPRESSION lz4`, nil},
	{"bit_count, unistr", 14, regexp.MustCompile(`(?i)\b(bit_count|unistr)\s*\(`), `SELECT bit_count(flags)`, nil},
	{"any_value", 16, regexp.MustCompile(`(?i)\bany_value\s*\(`), `SELECT any_value(name) FROM t GROUP BY id`, nil},
	{"pg_input_is_valid, pg_input_error_info", 16, regexp.MustCompile(`(?i)\bpg_input_(is_valid|error_info)\s*\(`), `WHERE pg_input_is_valid(s, 'uuid')`, nil},
	{"SQL/JSON constructors and predicates", 16, regexp.MustCompile(`(?i)\bIS\s+(NOT\s+)?JSON\b|\bJSON_(ARRAY|ARRAYAGG|OBJECTAGG|TABLE|EXISTS|QUERY|VALUE|SCALAR|SERIALIZE)\s*\(`), `WHERE body IS JSON OBJECT`, nil},
	{"date_add, date_subtract, random_normal, array_shuffle, array_sample", 16, regexp.MustCompile(`(?i)\b(date_add|date_subtract|random_normal|array_shuffle|array_sample)\s*\(`), `SELECT date_add(now(), '1 day')`, nil},
}

// sqlDirs are the packages whose Go code holds postvakt's SQL: the store
// (all that serve runs), this package, and the test and benchmark
// harnesses that set up and check databases outside the store (pgtest,
// storetest, chaos, pvbench), which run on PostgreSQL 13 too.
var sqlDirs = []string{".", "../internal/store", "../internal/pgtest", "../internal/storetest", "../internal/chaos", "../cmd/pvbench"}

// Every migration, and every string literal in the Go code of sqlDirs
// (their tests aside), is free of the constructs above, so a database on
// PostgreSQL 13 migrates and serves and the harnesses run on it. The SQL
// is read as PostgreSQL reads it (sqlCode): comments are not SQL, a '--'
// in a string is no comment. A finding names the file, the construct and
// the version it needs.
func TestNoSQLNewerThanPostgres13(t *testing.T) {
	texts := map[string]string{}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		texts["migrations/"+name] = sqlCode(string(b))
	}
	for _, dir := range sqlDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s: the scan looks in the wrong place", dir)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			var code []string
			for _, s := range goStrings(t, file) {
				code = append(code, sqlCode(s))
			}
			texts[file] = strings.Join(code, "\n")
		}
	}
	if len(names) == 0 || len(texts) == len(names) {
		t.Fatalf("found %d migrations and %d Go files: the scan looks in the wrong place", len(names), len(texts)-len(names))
	}
	files := make([]string, 0, len(texts))
	for file := range texts {
		files = append(files, file)
	}
	sort.Strings(files)
	for _, file := range files {
		for _, c := range newerThan13 {
			if m := find(c.re, c.except, texts[file]); m != "" {
				t.Errorf("%s: %q is %s, PostgreSQL %d and newer; postvakt supports PostgreSQL 13", file, m, c.what, c.version)
			}
		}
	}
}

// looksLikeSQL is a string literal that is a statement or most of one.
var looksLikeSQL = regexp.MustCompile(`\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|\bCREATE\s+(TABLE|INDEX|FUNCTION|TRIGGER)\b`)

// No Go code outside sqlDirs (tests aside) holds SQL: a package that
// starts to run its own is added to sqlDirs, or the guard above would not
// see it.
func TestSQLDirsAreAll(t *testing.T) {
	scanned := map[string]bool{}
	for _, dir := range sqlDirs {
		scanned[filepath.Join("..", "migrations", dir)] = true // as the walk from .. names it ("." is ../migrations)
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata" || d.Name() == "node_modules"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || scanned[filepath.Dir(path)]:
			return nil
		}
		for _, s := range goStrings(t, path) {
			if m := looksLikeSQL.FindString(s); m != "" {
				t.Errorf("%s holds SQL (%.60q) but is not in sqlDirs: TestNoSQLNewerThanPostgres13 does not scan it", path, m)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(goStrings(t, "../internal/store/units.go"), "\n"), "SELECT") || !looksLikeSQL.MatchString("SELECT id\n\t\tFROM t") {
		t.Fatal("looksLikeSQL does not know the store's SQL: the guard cannot fail")
	}
}

// Each expression matches its example and none matches SQL postvakt does
// write (a regular-expression literal, an array index, a comment), so the
// guard can fail and does not cry wolf.
func TestNewerThan13Examples(t *testing.T) {
	fine := sqlCode(`SELECT ids[1], x ~ '^[0-9a-f]{8}$', split_part(name, '.', 2), ARRAY['a', 'b']
		FROM t WHERE status = ANY($1) -- merge into one row, date_bin( is 14
		ORDER BY 1`)
	for _, c := range newerThan13 {
		if !c.re.MatchString(c.example) {
			t.Errorf("%s: the expression does not match its own example %q", c.what, c.example)
		}
		if m := find(c.re, c.except, fine); m != "" {
			t.Errorf("%s: matches %q in SQL PostgreSQL 13 runs", c.what, m)
		}
	}
}

// find returns the first match of re in text that except does not match.
func find(re, except *regexp.Regexp, text string) string {
	for _, m := range re.FindAllString(text, -1) {
		if except == nil || !except.MatchString(m) {
			return m
		}
	}
	return ""
}

// goStrings returns the string literals of a Go file.
func goStrings(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: unquote %s: %v", file, lit.Value, err)
			}
			out = append(out, s)
		}
		return true
	})
	return out
}
