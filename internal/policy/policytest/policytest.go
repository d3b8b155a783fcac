// Package policytest is test support for the packages whose tests run
// against the policies postvakt ships: the policies/ folder loaded as
// serve loads it, once per call, failing the test on any problem.
package policytest

import (
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
