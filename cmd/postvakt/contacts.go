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

// importContacts is contacts import FILE.csv: all or nothing, audited.
func importContacts(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	file, err := parseOneArg(v.flags(), args)
	if err != nil {
		return err
	}
	return importRows(ctx, cfg, file, "contacts", store.ActContactsImport, remind.ParseContacts,
		func(ctx context.Context, st *store.Store, contacts []store.Contact, audit func(detail string) store.AuditEntry) (string, error) {
			orgs, err := st.ReplaceContactsAudited(ctx, contacts, store.ContactSourceImport, func(orgs int) store.AuditEntry {
				return audit(fmt.Sprintf("%d addresses, %d organisations", len(contacts), orgs))
			})
			return fmt.Sprintf("imported %d address(es) for %d organisation(s); each organisation in the file now has exactly the addresses listed",
				len(contacts), orgs), err
		})
}

// importRows imports the CSV file name ("-": standard input), all or
// nothing: read parses it (a file with any bad row is refused, every
// problem printed as FILE: line N, column C: message), save stores it
// with its audit entry (under act; audit makes it from what save did) in
// one transaction, and says what it did for the person at the terminal.
func importRows[T any](ctx context.Context, cfg config.Config, name, what string, act store.AuditAction, read func(io.Reader) ([]T, error),
	save func(ctx context.Context, st *store.Store, items []T, audit func(detail string) store.AuditEntry) (done string, err error)) error {
	in, closeIn, err := openInput(name)
	if err != nil {
		return err
	}
	defer closeIn()
	items, err := read(in)
	var inv interface{ Rows() []remind.ContactError }
	if errors.As(err, &inv) {
		for _, p := range inv.Rows() {
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, p.Error())
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("import %s from %s: %w", what, name, err)
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	done, err := save(ctx, a.st, items, func(detail string) store.AuditEntry {
		return store.AuditEntry{Actor: actor(), Action: act, Object: name, Detail: detail}
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, done)
	return nil
}

// openInput opens the file a command reads, "-" for standard input.
func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err // open NAME: the reason
	}
	return f, func() { f.Close() }, nil
}
