package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// runIncidentReport is `postvakt report incident --from T --to T
// [--channel C] [--unit U] [--system S] [--state S] [--sender-org O]
// [--class C] [--org N] --format csv|xlsx|json [-o FILE]`: every letter of
// a channel, sending unit, sender system or class sent in a period, with its state and evidence,
// grouped per sending unit; the count per unit and state goes to standard
// error (and into the XLSX and JSON). Audited like every export.
func runIncidentReport(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	fromFlag := fs.String("from", "", "first sent time: RFC 3339, or a date (YYYY-MM-DD, from its start); required")
	toFlag := fs.String("to", "", "last sent time: RFC 3339 (exclusive), or a date (YYYY-MM-DD, to its end); required")
	format := fs.String("format", "csv", "csv, xlsx or json")
	out := fs.String("o", "-", "output file (- is standard output)")
	states := fs.String("state", "", "only letters in these states (comma-separated: "+strings.Join(report.StateNames(), ", ")+")")
	var f store.IncidentFilter
	fs.StringVar(&f.Channel, "channel", "", "only this channel ("+strings.Join(model.Channels(), ", ")+")")
	fs.StringVar(&f.Unit, "unit", "", "only this sending unit")
	fs.StringVar(&f.System, "system", "", "only letters this sender system registered")
	fs.StringVar(&f.SenderOrg, "sender-org", "", "only this sender organisation")
	fs.StringVar(&f.Class, "class", "", "only this class")
	fs.StringVar(&f.Org, "org", "", "only letters to this receiving organisation (organisation number)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 0:
		return unexpectedArg(fs, fs.Arg(0))
	case *fromFlag == "" || *toFlag == "":
		return usageError{"--from and --to are required\n" + usageLine(fs)}
	}
	var err error
	if f.From, err = parseBound(*fromFlag, false); err != nil {
		return usageError{"--from: " + err.Error()}
	}
	if f.To, err = parseBound(*toFlag, true); err != nil {
		return usageError{"--to: " + err.Error()}
	}
	if !f.From.Before(f.To) {
		return usageError{"--from must be before --to"}
	}
	if f.Channel != "" && !slices.Contains(model.Channels(), f.Channel) {
		return usageError{fmt.Sprintf("--channel: unknown channel %q (known: %s)", f.Channel, strings.Join(model.Channels(), ", "))}
	}
	for _, s := range strings.Split(*states, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !model.State(s).Valid() {
			return usageError{fmt.Sprintf("--state: unknown state %q (%s)", s, strings.Join(report.StateNames(), ", "))}
		}
		f.States = append(f.States, model.State(s))
	}
	for _, o := range []struct{ flag, v string }{{"--org", f.Org}, {"--sender-org", f.SenderOrg}} {
		if o.v != "" && model.CheckOrgNumber(o.v) != nil {
			return usageError{o.flag + " must be an organisation number (9 digits, or a Danish CVR)"}
		}
	}
	fmtv, err := exportFormat(*format, *out, os.Stdout)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	var n int
	var sum []report.UnitSummary
	if err := writeExport(*out, func(w io.Writer) (err error) {
		// Audited once the file can be written: an -o that cannot be
		// created exports nothing.
		if err := a.st.Audit(ctx, store.AuditEntry{Actor: actor(), SenderOrg: f.SenderOrg, Action: store.ActExport,
			Object: "incident " + f.String(), Detail: string(fmtv)}); err != nil {
			return err
		}
		n, sum, err = report.Incident(ctx, a.st, f, fmtv, w)
		return err
	}); err != nil {
		return err
	}
	for _, u := range sum {
		var parts []string
		for _, s := range report.StateNames() {
			if c := u.States[s]; c > 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", s, c))
			}
		}
		fmt.Fprintf(os.Stderr, "%s %s: %d (%s)\n", u.SenderOrg, u.Unit, u.Total, strings.Join(parts, " "))
	}
	fmt.Fprintf(os.Stderr, "%d letters in %d units (%s)\n", n, len(sum), time.Since(start).Round(time.Millisecond))
	return nil
}

// parseBound reads --from or --to: RFC 3339, or a date in Europe/Oslo
// (as the end of a period, the day is included).
func parseBound(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil // PostgreSQL takes offsets up to ±15:59 only
	}
	t, err := time.ParseInLocation("2006-01-02", s, calendar.Oslo)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor a date (YYYY-MM-DD)", s)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}
