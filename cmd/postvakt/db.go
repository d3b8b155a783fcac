package main

import (
	"context"
	"flag"
	"fmt"

	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

func runMigrate(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withMigrate)
	if err != nil {
		return err
	}
	a.Close()
	fmt.Println("database schema is up to date")
	return nil
}

func runToken(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: postvakt token create --name N --role admin|compliance|unit|operations [--sender-org O] [--unit U]"}
	}
	fs := newFlags("token create")
	var t store.Token
	if err := parseScoped(fs, args[1:], "token", &t.Name, &t.Role, &t.SenderOrg, &t.Unit); err != nil {
		return err
	}
	// Migrated first, as user add: the first token is made on a fresh
	// database, before serve has ever run.
	a, err := open(ctx, cfg, withMigrate)
	if err != nil {
		return err
	}
	defer a.Close()
	secret, err := a.st.CreateToken(ctx, t)
	if err != nil {
		return err
	}
	if err := a.st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: "token_create", Object: "token:" + t.Name,
		Detail: t.Role, SenderOrg: t.SenderOrg, SubjectOrg: t.SenderOrg}); err != nil {
		return err
	}
	fmt.Println(secret)
	return nil
}

// parseScoped parses the flags a user and a token share — who it is, its
// role, and the sender organisation and unit it is limited to — and
// requires a name and a role.
func parseScoped(fs *flag.FlagSet, args []string, what string, name, role, org, unit *string) error {
	fs.StringVar(name, "name", "", "name of the "+what+" (required)")
	fs.StringVar(role, "role", "", "admin, compliance, unit or operations (required)")
	fs.StringVar(org, "sender-org", "", "limit the "+what+" to this sender organisation number")
	fs.StringVar(unit, "unit", "", "limit the "+what+" to this sending unit (role unit)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return usageError{"--name and --role are required"}
	}
	if *org != "" {
		// As the administration page: a typo would make a user or token
		// that silently sees nothing.
		if err := model.CheckOrgNumber(*org); err != nil {
			return usageError{fmt.Sprintf("--sender-org %q: %v", *org, err)}
		}
	}
	return nil
}
