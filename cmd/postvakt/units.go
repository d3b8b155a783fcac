package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"postvakt/internal/config"
	"postvakt/internal/notice"
	"postvakt/internal/store"
)

func listUnits(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	if err := v.noArgs(args); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	us, err := a.st.Units(ctx, store.Scope{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "ORGANISATION\tUNIT\tCONTACT\tMANAGER\n")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.SenderOrg, u.Name, u.ContactEmail, u.ManagerEmail)
	}
	return tw.Flush()
}

func importUnits(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	file, err := parseOneArg(v.flags(), args)
	if err != nil {
		return err
	}
	return importRows(ctx, cfg, file, "units", store.ActUnitsImport, notice.ParseUnits,
		func(ctx context.Context, st *store.Store, units []store.Unit, audit func(detail string) store.AuditEntry) (string, error) {
			if known, err := st.Units(ctx, store.Scope{}); err != nil {
				fmt.Fprintf(os.Stderr, "warning: cannot check the units against those stored: %v\n", err)
			} else {
				for _, w := range store.UnitsWrittenOtherwise(units, known) {
					fmt.Fprintf(os.Stderr, "warning: organisation %s has no unit %q but %q: a new unit is made, of no letter; the letters' follow-up and escalation mails go to %q's addresses (write the unit as its letters do)\n",
						w[0].SenderOrg, w[0].Name, w[1].Name, w[1].Name)
				}
			}
			created, err := st.SaveUnitsAudited(ctx, units, func(created int) store.AuditEntry {
				return audit(fmt.Sprintf("%d units, %d new", len(units), created))
			})
			return fmt.Sprintf("imported %d unit(s) (%d new): their contact and manager addresses are as listed", len(units), created), err
		})
}
