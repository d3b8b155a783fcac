package main

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
)

// TestWarnUnknownUnitNeverFailsTheCommand: user add and token create check
// the unit after the user or token is made (a token's secret printed
// once): when the store cannot say the organisation's units, the command
// still succeeds (a warning on stderr), as an error would read as "not
// made" and have the operator make the token again.
func TestWarnUnknownUnitNeverFailsTheCommand(t *testing.T) {
	st, err := store.Open(context.Background(), pgtest.New(t), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // every read now fails
	if err := warnUnknownUnit(context.Background(), st, "964338531", "Kemnerkontor"); err != nil {
		t.Errorf("the unit check failed the command: %v", err)
	}
}
