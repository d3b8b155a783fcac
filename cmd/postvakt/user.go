package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"postvakt/internal/auth"
	"postvakt/internal/config"
	"postvakt/internal/store"
)

// runUser is `postvakt user add --name N --role R [--sender-org O] [--unit U]`.
// The password is read from standard input (first line) when it is piped;
// otherwise a random one is generated and printed once.
func runUser(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: postvakt user add --name N --role admin|compliance|unit|operations [--sender-org O] [--unit U] (password on stdin, or generated)"}
	}
	fs := newFlags("user add")
	var u store.User
	if err := parseScoped(fs, args[1:], "user", &u.Name, &u.Role, &u.SenderOrg, &u.Unit); err != nil {
		return err
	}
	password, generated, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	if u.PasswordHash, err = auth.HashPassword(password); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if _, err := st.CreateUser(ctx, u); err != nil {
		return err
	}
	if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: "user_add", Object: "user:" + u.Name,
		Detail: u.Role, SenderOrg: u.SenderOrg}); err != nil {
		return err
	}
	if generated {
		fmt.Printf("user %s created; password (shown once): %s\n", u.Name, password)
	} else {
		fmt.Printf("user %s created\n", u.Name)
	}
	return nil
}

// readPassword takes the first line of in when in is not a terminal and
// holds one; otherwise it generates a password.
func readPassword(in *os.File) (password string, generated bool, err error) {
	if fi, err := in.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("read password from stdin: %w", err)
		}
		if p := strings.TrimRight(line, "\r\n"); p != "" {
			return p, false, nil
		}
	}
	return auth.GeneratePassword(), true, nil
}
