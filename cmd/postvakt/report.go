package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// listArgs are the arguments of a list export.
const listArgs = "--format csv|xlsx|json [--org N] [--unit U] [--sender-org O] [--min-age DAYS] [-o FILE]"

// runReport is `postvakt report unopened|problems|manual|unknown_to_channel --format
// csv|xlsx|json [--org N] [--unit U] [--sender-org O] [--min-age DAYS]
// [-o FILE]`: the UI's lists, streamed to a file or standard output, in the
// UI's export's columns: each letter with its next step under the policies
// (POSTVAKT_POLICIES, loaded and valid as for the escalation) by the list
// page's rule (report.PolicyNext). The export is written to the audit log
// like one from the UI.
func runReport(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	list := store.ListName(v.name)
	fs := v.flags()
	format := fs.String("format", "csv", "csv, xlsx or json")
	out := fs.String("o", "-", "output file (- is standard output)")
	minAge := fs.Int("min-age", 0, "only shipments sent at least this many days ago")
	f := store.ListFilter{List: list}
	fs.StringVar(&f.Recipient, "org", "", "only this receiving organisation (organisation number)")
	fs.StringVar(&f.Unit, "unit", "", "only this sending unit")
	fs.StringVar(&f.SenderOrg, "sender-org", "", "only this sender organisation")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *minAge < 0 {
		return usageError{fmt.Sprintf("--min-age: %d is not a number of days", *minAge)}
	}
	// --org goes into the audit log: an organisation number only, never a
	// person id.
	if f.Recipient != "" && model.CheckOrgNumber(f.Recipient) != nil {
		return usageError{fmt.Sprintf("--org must be an organisation number (9 digits, or a Danish CVR), not %q",
			model.MaskRecipient(model.RecipientPerson, f.Recipient))}
	}
	if f.SenderOrg != "" && model.CheckOrgNumber(f.SenderOrg) != nil {
		return usageError{"--sender-org must be an organisation number"}
	}
	fmtv, err := exportFormat(*format, *out, os.Stdout)
	if err != nil {
		return err
	}
	now := time.Now()
	if *minAge > 0 {
		f.SentUntil = store.MinAgeBound(now, *minAge)
	}
	a, err := open(ctx, cfg, withPolicies|withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	var n int
	if err := writeExport(*out, func(w io.Writer) (err error) {
		// Audited once the file can be written: an -o that cannot be
		// created exports nothing.
		if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), SenderOrg: f.SenderOrg, Action: store.ActExport,
			Object: string(list) + " org=" + f.Recipient + " unit=" + f.Unit, Detail: string(fmtv)}); err != nil {
			return err
		}
		src := report.PolicyNext{Facts: st, Policies: a.set, Now: now, Log: a.log}
		n, err = report.ShipmentsNext(ctx, src, f, fmtv, w, now, report.XLSXOptions{})
		return err
	}); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(os.Stderr, "%d shipments written to %s\n", n, *out)
	}
	return nil
}

// exportFormat is an export's --format (csv, xlsx or json) for its -o
// out ("-": stdout), or a usage error: an unknown format, or XLSX to a
// terminal (a binary file is no text to show).
func exportFormat(format, out string, stdout *os.File) (report.Format, error) {
	f, err := report.ParseFormat(format)
	if err != nil {
		return "", usageError{err.Error()}
	}
	if strings.TrimSpace(out) == "" {
		return "", usageError{`-o: no file named (give a file, or "-" for standard output)`}
	}
	// A file named for another format (-o ulest.xlsx, --format left at
	// csv) would not open in what its name says: Excel refuses CSV text
	// named .xlsx.
	if named, err := report.ParseFormat(strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))); err == nil && named != f {
		return "", usageError{fmt.Sprintf("-o %s: named .%s, but --format is %s: give --format %s (or name the file .%s)", filepath.Base(out), named, f, named, f)}
	}
	if f == report.XLSX && out == "-" {
		if fi, err := stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "", usageError{"an XLSX file is binary: give -o FILE"}
		}
	}
	return f, nil
}

// writeExport runs write into path ("-": standard output), buffered. A file
// is written whole or not at all: into a temporary file beside it, renamed
// to path once complete, so a failed or interrupted export leaves no
// half-written list, nor truncates one already there.
func writeExport(path string, write func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s: a folder, not a file", path)
	} else if err == nil && !fi.Mode().IsRegular() {
		// A device or a pipe (-o /dev/stdout, a FIFO a script reads): written
		// into, as before; a file renamed over it would replace it.
		return writeInto(path, write)
	}
	// A link to a file: the file it names is replaced, not the link, also
	// one that does not exist yet (a cron job's first run through
	// latest.csv): written where the link points.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	} else if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
		if to, rerr := os.Readlink(path); rerr == nil {
			if !filepath.IsAbs(to) {
				to = filepath.Join(filepath.Dir(path), to)
			}
			path = to
		}
	}
	file, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			file.Close()
			os.Remove(file.Name())
		}
	}()
	bw := bufio.NewWriterSize(file, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("%w; nothing written to %s", err, path)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w; nothing written", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write %s: %w; nothing written", path, err)
	}
	if err := os.Rename(file.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w; nothing written", path, err)
	}
	done = true
	return nil
}

// writeInto runs write into path as it is, a device or a pipe that cannot
// be replaced by a finished file.
func writeInto(path string, write func(io.Writer) error) error {
	file, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer file.Close()
	bw := bufio.NewWriterSize(file, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
