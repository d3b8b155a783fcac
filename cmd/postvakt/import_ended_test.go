package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/store"
)

// TestImportEnded: an interrupted import says nothing was imported only
// when its commit was not sent or did not go through; one whose commit
// went through before the interrupt is an import like any other (no error:
// it prints what it imported); a commit whose answer was lost says the
// outcome is unknown, interrupted or not; other failures are left to the
// rest of runImport.
func TestImportEnded(t *testing.T) {
	lost := fmt.Errorf("commit registration: %w (%w)", store.ErrCommitUnknown, errors.New("driver: bad connection"))
	for _, tc := range []struct {
		name        string
		stored      importer.Stored
		err         error
		interrupted bool
		want        string // in the error; "" = no error
	}{
		{"committed, interrupted after", importer.StoredAll, nil, true, ""},
		{"committed", importer.StoredAll, nil, false, ""},
		{"interrupted while reading", importer.StoredNone, context.Canceled, true, "interrupted; nothing was imported"},
		{"interrupted, commit never sent", importer.StoredNone, fmt.Errorf("commit registration: %w", context.Canceled), true, "interrupted; nothing was imported"},
		{"interrupted, commit's answer lost", importer.StoredUnknown, lost, true, "whether the rows were stored is unknown"},
		{"commit's answer lost", importer.StoredUnknown, lost, false, "whether the rows were stored is unknown"},
		{"bad rows", importer.StoredNone, &importer.InvalidError{}, false, ""},
	} {
		err := importEnded("f.csv", tc.stored, tc.err, tc.interrupted)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want one saying %q", tc.name, err, tc.want)
		}
		if err != nil && tc.stored == importer.StoredUnknown && strings.Contains(err.Error(), "nothing was imported") {
			t.Errorf("%s: %v says nothing was imported of a commit whose outcome is unknown", tc.name, err)
		}
	}
}
