package main

import (
	"context"
	"errors"
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
	in, closeIn, err := openInput(name)
	if err != nil {
		return err
	}
	defer closeIn()
	units, err := notice.ParseUnits(in)
	var inv *notice.InvalidUnitsError
	if errors.As(err, &inv) {
		return rowProblems(name, inv.Problems, err)
	}
	if err != nil {
		return fmt.Errorf("import units from %s: %w", name, err)
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	created, err := a.st.SaveUnits(ctx, units)
	if err != nil {
		return err
	}
	if err := a.st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: "units_import", Object: name,
		Detail: fmt.Sprintf("%d units, %d new", len(units), created)}); err != nil {
		return err
	}
	fmt.Printf("imported %d unit(s) (%d new): their contact and manager addresses are as listed\n", len(units), created)
	return nil
}
