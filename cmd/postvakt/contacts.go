package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"postvakt/internal/config"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

func runContacts(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageError{"usage: postvakt contacts import FILE.csv (header orgnr,email; - for standard input)"}
	}
	fs := newFlags("contacts import")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: postvakt contacts import FILE.csv (header orgnr,email; - for standard input)"}
	}
	name := fs.Arg(0)
	in, closeIn, err := openInput(name)
	if err != nil {
		return err
	}
	defer closeIn()
	contacts, err := remind.ParseContacts(in)
	var inv *remind.InvalidContactsError
	if errors.As(err, &inv) {
		return rowProblems(name, inv.Problems, err)
	}
	if err != nil {
		return fmt.Errorf("import contacts from %s: %w", name, err)
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	orgs, err := st.ReplaceContacts(ctx, contacts, store.ContactSourceImport)
	if err != nil {
		return err
	}
	if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: "contacts_import", Object: name,
		Detail: fmt.Sprintf("%d addresses, %d organisations", len(contacts), orgs)}); err != nil {
		return err
	}
	fmt.Printf("imported %d address(es) for %d organisation(s); each organisation in the file now has exactly the addresses listed\n",
		len(contacts), orgs)
	return nil
}

// openInput opens the file a command reads, "-" for standard input.
func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return f, func() { f.Close() }, nil
}

// rowProblems prints every problem of a CSV file (file: line N, column C:
// message) and returns err, naming the file.
func rowProblems(name string, problems []remind.ContactError, err error) error {
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, p.Error())
	}
	return fmt.Errorf("%s: %w", name, err)
}
