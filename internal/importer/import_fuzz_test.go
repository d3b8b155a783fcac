package importer_test

import (
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/storetest"
)

// FuzzImport: whatever a row of a user's file holds, the import either
// registers it or refuses the file with problems naming their line; the
// database never refuses what the import let through (that would be an
// error without a line, and a row the user cannot find), and nothing
// panics. Each run imports a header and one row into the throwaway
// PostgreSQL.
func FuzzImport(f *testing.F) {
	f.Add("svarut", "00000000-0000-4000-8000-000000000001", "964338531", "Barnevernstjenesten", "org", "974760673", "Vedtak", "true", "taushetsbelagt", "2026-11-20T10:00:00+01:00")
	f.Add("digitalpost", "0B6D3C5E-1F2A-4B3C-8D4E-000000000001", "64942212", "Borgerservice", "person", "010180-1234", "Afgørelse", "ja", "", "20.11.2026 10:00")
	f.Add("altinn", "x\x00y", "964338531", "Enhet\u2028", "org", "974760673", strings.Repeat("Ø", 600), "1", "taushetsbelagt", "2026-02-30")
	f.Add("svarut", "00000000-0000-4000-8000-000000000002", "964338531", "=cmd|'/C calc'!A0", "person", "01029400470", "\xed\xa0\x80", "TRUE", "x", "9999-12-31T23:59:59Z")
	st := storetest.Open(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, channel, id, org, unit, kind, recipient, title, confidential, class, sent string) {
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.Write(strings.Split(strings.TrimSpace(header), ","))
		_ = w.Write([]string{channel, id, org, unit, kind, recipient, title, confidential, class, sent})
		w.Flush()
		_, err := importer.Import(ctx, st, strings.NewReader(b.String()), importer.Options{Now: now})
		if err == nil {
			return
		}
		var ie *importer.InvalidError
		if !errors.As(err, &ie) || len(ie.Rows) == 0 {
			t.Fatalf("%q: %v (%T), want problems naming their line", b.String(), err, err)
		}
		for _, r := range ie.Rows {
			if r.Line < 1 || r.Message == "" {
				t.Fatalf("%q: a problem %+v without its line or message", b.String(), r)
			}
		}
	})
}
