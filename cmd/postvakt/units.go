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

const unitsUsage = "usage: postvakt units list | import FILE.csv (header sender_org,unit,contact_email,manager_email; - for standard input)"

// runUnits manages the sending units' addresses: where follow-up mails and
// unit_manager escalations go. import is all or nothing, audited.
func runUnits(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return usageError{unitsUsage}
	}
	switch args[0] {
	case "list":
		a, err := open(ctx, cfg, withStore)
		if err != nil {
			return err
		}
		defer a.Close()
		us, err := a.st.Units(ctx, store.Scope{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "ORGANISATION\tUNIT\tCONTACT\tMANAGER\n")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.SenderOrg, u.Name, u.ContactEmail, u.ManagerEmail)
		}
		return tw.Flush()
	case "import":
		if len(args) != 2 {
			return usageError{unitsUsage}
		}
		return importUnits(ctx, cfg, args[1])
	}
	return usageError{unitsUsage}
}

func importUnits(ctx context.Context, cfg config.Config, name string) error {
	return importRows(ctx, cfg, name, "units", notice.ParseUnits,
		func(ctx context.Context, st *store.Store, units []store.Unit) (string, string, error) {
			created, err := st.SaveUnits(ctx, units)
			return fmt.Sprintf("%d units, %d new", len(units), created),
				fmt.Sprintf("imported %d unit(s) (%d new): their contact and manager addresses are as listed", len(units), created), err
		})
}
