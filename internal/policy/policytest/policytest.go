// Package policytest is test support for the packages whose tests run
// against the policies postvakt ships: the policies/ folder loaded as
// serve loads it, once per call, failing the test on any problem.
package policytest

import (
	"os"
	"path/filepath"
	"testing"

	"postvakt/internal/policy"
)

// ShippedDir is the shipped policy folder as seen from a package directly
// under internal/ (where go test runs a package's tests).
const ShippedDir = "../../policies"

// Shipped loads the shipped policies (ShippedDir) and fails tb on any
// problem in them.
func Shipped(tb testing.TB) *policy.Set {
	tb.Helper()
	set, problems := policy.LoadDir(ShippedDir)
	if len(problems) > 0 {
		tb.Fatalf("the shipped policies (%s): %v", ShippedDir, problems)
	}
	return set
}

// Files writes files (name → YAML) into a folder of their own and loads it
// as serve loads a policy folder, failing tb on any problem: a test's own
// policies.
func Files(tb testing.TB, files map[string]string) *policy.Set {
	tb.Helper()
	dir := tb.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	set, problems := policy.LoadDir(dir)
	if len(problems) > 0 {
		tb.Fatalf("the test's policies: %v", problems)
	}
	return set
}
