package pgtest

import (
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployRolesOnDevCluster: README's Deploy has a DBA create the role
// postvakt and its database (CREATE ROLE postvakt ...). A developer who
// tries that on the project's own cluster (scripts/pg.sh, whose admin role
// was postvakt) got "role postvakt already exists", and the migration
// then ran as a superuser, which proves nothing about the owning role.
// The cluster's admin role is pvadmin: README's statements run on a fresh
// cluster, and postvakt logs in as a role that is not a superuser.
func TestDeployRolesOnDevCluster(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, deploy, _ := strings.Cut(string(readme), "## Deploy with an external PostgreSQL")
	block := regexp.MustCompile("(?s)```sql\n(.*?)```").FindStringSubmatch(deploy)
	if block == nil || !strings.Contains(block[1], "CREATE ROLE postvakt") {
		t.Fatalf("README, Deploy has no sql block creating the role postvakt")
	}
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil { // the cluster may run as another user (scripts/pg.sh)
			t.Fatal(err)
		}
	}
	pg := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("bash", append([]string{"../../scripts/pg.sh"}, args...)...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("scripts/pg.sh %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(string(out))
	}
	admin := pg("start", dir)
	t.Cleanup(func() { pg("stop", dir) })
	if again := pg("url", dir); again != admin {
		t.Errorf("pg.sh url %q, start printed %q", again, admin)
	}
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.Split(block[1], ";") {
		if stmt = strings.TrimSpace(stmt); stmt == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("README, Deploy on the dev cluster (admin %s): %s: %v", admin, stmt, err)
		}
	}
	u, err := url.Parse(WithDatabase(admin, "postvakt"))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("postvakt") // trust on the socket: no password asked
	as, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	var who string
	var super bool
	if err := as.QueryRow(`SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&who, &super); err != nil ||
		who != "postvakt" || super {
		t.Fatalf("logged in as %q (superuser %v, %v), want postvakt, not a superuser", who, super, err)
	}
}
