package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/importer"
	"postvakt/internal/model"
	"postvakt/internal/spreadsheet"
)

// storingEvery is how often import says it is still storing the rows.
const storingEvery = 15 * time.Second

func runImport(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("import")
	who := fs.String("actor", strings.TrimPrefix(actor(), "cli:"), "who is importing (kept in the evidence log)")
	system := fs.String("system", model.SystemImport, "sender system of the rows without a sender_system value")
	encoding := fs.String("encoding", importer.EncodingAuto, "the file's encoding: auto (UTF-8, or Windows-1252 as Excel saves \"CSV (comma delimited)\"), utf-8 or windows-1252")
	name, err := parseOneArg(fs, args)
	if err != nil {
		return err
	}
	if err := spreadsheet.CheckEncoding(*encoding); err != nil {
		return usageError{"--encoding: " + err.Error()}
	}
	// The rows without a sender_system of their own take --system: one no
	// letter can take is refused once, here, not on every row.
	for _, fe := range discoverProbe("svarut", "964338531", "x", "", *system, false).Validate(time.Now(), nil) {
		if fe.Field == "sender_system" {
			return usageError{"--system: " + fe.Message}
		}
	}
	if model.HoldsNationalID(*who) {
		// The actor is every imported letter's, on its evidence page and
		// in the logs, as it is.
		return usageError{"--actor: a national id is no name (the actor is shown on every letter's evidence page)"}
	}
	in, closeIn, err := openInput(name)
	if err != nil {
		return err
	}
	defer closeIn()
	a, err := open(ctx, cfg, withStore|withSchedule)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	start := time.Now()
	// Storing is one set-based statement with no rows to count: a line
	// every storingEvery says it still runs (minutes at a million rows).
	stored := make(chan struct{})
	defer close(stored)
	res, err := importer.Import(ctx, st, in, importer.Options{
		Actor:    "import:" + *who,
		System:   *system,
		Encoding: *encoding,
		Channels: channel.Configured(cfg), // a row of a channel that is off is refused
		Progress: func(rows int) {
			fmt.Fprintf(os.Stderr, "read %d rows (%.0f rows/s)\n", rows, float64(rows)/time.Since(start).Seconds())
		},
		Applying: func(rows int) {
			fmt.Fprintf(os.Stderr, "all %d rows valid; storing them in one transaction\n", rows)
			go func(from time.Time) {
				tick := time.NewTicker(storingEvery)
				defer tick.Stop()
				for {
					select {
					case <-stored:
						return
					case <-tick.C:
						fmt.Fprintf(os.Stderr, "still storing (%s)\n", time.Since(from).Round(time.Second))
					}
				}
			}(time.Now())
		},
	})
	if err := importEnded(name, res.Stored, err, ctx.Err() != nil); err != nil {
		return err
	}
	if res.Encoding == importer.EncodingWindows1252 && *encoding != importer.EncodingWindows1252 {
		fmt.Fprintf(os.Stderr, "%s: not UTF-8; read as Windows-1252 (Excel's \"CSV (comma delimited)\" on Norwegian and Danish Windows)\n", name)
	}
	if res.Separator == ';' {
		fmt.Fprintf(os.Stderr, "%s: read with semicolons between the fields (as Excel writes CSV in a Norwegian or Danish locale)\n", name)
	}
	var inv *importer.InvalidError
	if errors.As(err, &inv) {
		for _, r := range inv.Rows {
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, r.Error())
		}
		if inv.More > 0 {
			fmt.Fprintf(os.Stderr, "%s: … and %d more problem(s) not shown\n", name, inv.More)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	repeated := ""
	if res.Repeated > 0 {
		repeated = fmt.Sprintf(", %d repeating an earlier line", res.Repeated)
	}
	fmt.Fprintf(stdout, "imported %d rows in %s: %d new shipments, %d already registered%s\n",
		res.Rows, time.Since(start).Round(time.Millisecond), res.Created, res.Rows-res.Created-res.Repeated, repeated)
	for _, k := range res.Kept {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, k.Error())
	}
	if res.KeptMore > 0 {
		fmt.Fprintf(os.Stderr, "%s: … and %d more such row(s) not shown\n", name, res.KeptMore)
	}
	for _, u := range res.UnitsLike {
		fmt.Fprintf(os.Stderr, "%s: warning: organisation %s has a new unit %q beside %q: two units, the letters of %q without %q's addresses, policy and unit users (write the unit as the organisation's letters do)\n",
			name, u.SenderOrg, u.Name, u.Like, u.Name, u.Like)
	}
	return nil
}

// importEnded is the error of an import that was interrupted (Ctrl-C,
// SIGTERM) or whose commit's answer was lost, saying what its commit
// answered; nil for the others (an import whose commit went through before
// the interrupt imported the file, and says so).
func importEnded(name string, stored importer.Stored, err error, interrupted bool) error {
	switch {
	case err == nil:
		return nil
	case stored == importer.StoredUnknown:
		return fmt.Errorf("%s: whether the rows were stored is unknown (%w); import the file again: rows already registered are skipped", name, err)
	case interrupted:
		// Before the commit, or a commit never sent: rolled back.
		return fmt.Errorf("%s: interrupted; nothing was imported", name)
	}
	return nil
}
