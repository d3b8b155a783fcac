package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/importer"
	"postvakt/internal/model"
)

func runImport(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("import")
	who := fs.String("actor", strings.TrimPrefix(actor(), "cli:"), "who is importing (kept in the evidence log)")
	system := fs.String("system", model.SystemImport, "sender system of the rows without a sender_system value")
	encoding := fs.String("encoding", importer.EncodingAuto, "the file's encoding: auto (UTF-8, or Windows-1252 as Excel saves \"CSV (comma delimited)\"), utf-8 or windows-1252")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: postvakt import FILE.csv (or - for standard input)"}
	}
	var in io.Reader = os.Stdin
	name := fs.Arg(0)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		defer f.Close()
		in = f
	}
	a, err := open(ctx, cfg, withStore|withSchedule)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	start := time.Now()
	res, err := importer.Import(ctx, st, in, importer.Options{
		Actor:    "import:" + *who,
		System:   *system,
		Encoding: *encoding,
		Progress: func(rows int) {
			fmt.Fprintf(os.Stderr, "read %d rows (%.0f rows/s)\n", rows, float64(rows)/time.Since(start).Seconds())
		},
		Applying: func(rows int) {
			fmt.Fprintf(os.Stderr, "all %d rows valid; storing them in one transaction\n", rows)
		},
	})
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
	fmt.Printf("imported %d rows in %s: %d new shipments, %d already registered\n",
		res.Rows, time.Since(start).Round(time.Millisecond), res.Created, res.Rows-res.Created)
	return nil
}
