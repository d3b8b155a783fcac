package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/migrations"
)

func runMigrate(ctx context.Context, cfg config.Config, args []string) error {
	if err := parseNoArgs(newFlags("migrate"), args); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withMigrate|printMigrations)
	if err != nil {
		return err
	}
	a.Close()
	if a.migrated == 0 {
		fmt.Fprintf(stdout, "database at %05d, nothing to apply\n", a.schema)
	} else {
		fmt.Fprintf(stdout, "database at %05d (%d applied)\n", a.schema, a.migrated)
	}
	return nil
}

// printProgress writes a line per migration to w, as other long commands
// report their progress: "migrating 00020_poll_queue … done in 9.1s", the
// name written before it begins (the slow ones take seconds to minutes on
// a large database).
func printProgress(w io.Writer) migrations.Progress {
	return migrations.Progress{
		Start: func(name string) { fmt.Fprintf(w, "migrating %s … ", name) },
		Done: func(_ string, took time.Duration, err error) {
			if err != nil {
				fmt.Fprintf(w, "failed after %s\n", roundTook(took))
				return
			}
			fmt.Fprintf(w, "done in %s\n", roundTook(took))
		},
		Waiting: func(holder string) { fmt.Fprintf(w, "waiting for the migration lock, held by %s …\n", holder) },
	}
}

// logMigrations logs each migration as it begins and once it is applied
// (serve, user add and token create migrate at their start).
func (a *app) logMigrations() migrations.Progress {
	return migrations.Progress{
		Start: func(name string) { a.log.Info("applying a migration", "migration", name) },
		Done: func(name string, took time.Duration, err error) {
			if err == nil {
				a.log.Info("migration applied", "migration", name, "took", roundTook(took))
			}
		},
		Waiting: func(holder string) {
			a.log.Warn("waiting for the migration lock another session holds (a replica or a migrate applying migrations)", "holder", holder)
		},
	}
}

// roundTook is a migration's time as people read it: 12ms, 9.1s, 1m2.3s.
func roundTook(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func createToken(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	var t store.Token
	if err := parseScoped(fs, args, "token", &t.Name, &t.Role, &t.SenderOrg, &t.Unit); err != nil {
		return err
	}
	// Migrated first, as user add: the first token is made on a fresh
	// database, before serve has ever run.
	a, err := open(ctx, cfg, withMigrate)
	if err != nil {
		return err
	}
	defer a.Close()
	// Audited in the same transaction: a failed audit write stores
	// nothing, so running the command again makes the token.
	id, secret, err := a.st.CreateTokenAudited(ctx, t, func(int64) store.AuditEntry {
		return store.AuditEntry{Actor: actor(), Action: store.ActTokenCreate, Object: "token:" + t.Name,
			Detail: store.DescribeAccess(t.Role, t.SenderOrg, t.Unit, ""), SenderOrg: t.SenderOrg, SubjectOrg: auth.AccessSubject(t.Role, t.SenderOrg)}
	})
	if err != nil {
		return err
	}
	if _, werr := fmt.Fprintln(stdout, secret); werr != nil {
		// A token nobody has: revoked (audited), so that the same command
		// makes it again, its name free.
		err := a.st.RevokeTokenAudited(ctx, id, time.Now(), &store.AuditEntry{Actor: actor(), Action: store.ActTokenRevoke,
			Object: "token:" + t.Name, Detail: "its secret was not shown", SenderOrg: t.SenderOrg, SubjectOrg: auth.AccessSubject(t.Role, t.SenderOrg)})
		if err != nil {
			return fmt.Errorf("token %s made, but its secret was not shown (%v), and it could not be revoked (%v): revoke it with postvakt token revoke --name %s and make it again",
				t.Name, werr, err, t.Name)
		}
		return fmt.Errorf("token %s: its secret was not shown (%v), so it is revoked: run the command again", t.Name, werr)
	}
	return warnUnknownUnit(ctx, a.st, t.SenderOrg, t.Unit)
}

// secretNotShown is the error of a command whose password, shown once,
// could not be written (a full disk, a closed pipe): the user's password
// is one nobody has, and a new one is set with user password.
func secretNotShown(name string, err error) error {
	return fmt.Errorf("the password of user %s was set but not shown (%v): nobody has it; postvakt user password --name %s sets a new one", name, err, name)
}

// warnUnknownUnit says on stderr when a user's or token's unit is not one
// postvakt knows for its organisation (from a letter or postvakt units
// import), naming those it knows: a typo makes a user who sees an overview
// of zeros. It is made all the same, as the unit may register its first
// letter later. The user or token is made (and a token's secret shown
// once) before this check: when the units cannot be read that is said as
// a warning, never as the command's failure, which would read as "not
// made" and have the operator make it again.
func warnUnknownUnit(ctx context.Context, st *store.Store, org, unit string) error {
	// As the user or token stores it (and letters carry it): without
	// surrounding blanks, composed (an "Ås" typed on a Mac is decomposed).
	unit = model.NormalizeName(unit)
	if unit == "" {
		return nil
	}
	found, err := st.Units(ctx, store.Scope{SenderOrg: org, SenderUnit: unit})
	if err != nil {
		fmt.Fprintf(os.Stderr, "warning: made, but cannot check that organisation %s has the sending unit: %v\n", org, err)
		return nil
	}
	if len(found) > 0 {
		return nil
	}
	units, err := st.Units(ctx, store.Scope{SenderOrg: org})
	if err != nil {
		fmt.Fprintf(os.Stderr, "warning: made, but cannot check that organisation %s has the sending unit: %v\n", org, err)
		return nil
	}
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = fmt.Sprintf("%q", u.Name)
	}
	known := "none yet"
	if len(names) > 0 {
		known = strings.Join(names, ", ")
	}
	fmt.Fprintf(os.Stderr, "warning: organisation %s has no sending unit %q yet (it sees nothing until a letter of that unit is registered); its units: %s\n",
		org, unit, known)
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
		return usageError{"--name and --role are required\n" + usageLine(fs)}
	}
	if err := checkName(what, *name); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return unexpectedArg(fs, fs.Arg(0))
	}
	// Before the database is opened (user add and token create migrate
	// it first): a wrong role is a wrong invocation.
	if !slices.Contains(store.Roles, *role) {
		return usageError{fmt.Sprintf("--role: unknown role %q (%s)", *role, strings.Join(store.Roles, ", "))}
	}
	if *role == "unit" && (*org == "" || *unit == "") {
		return usageError{"--role unit needs --sender-org and --unit"}
	}
	if *unit != "" && *role != "unit" {
		// The limit would be stored and never applied: a compliance
		// user or token sees its whole organisation.
		return usageError{fmt.Sprintf("--unit limits role unit only: a %s %s sees its whole organisation (or all, without --sender-org); leave --unit out", *role, what)}
	}
	if model.HoldsNationalID(*unit) {
		return usageError{"--unit: a national id is no unit name (unit names are shown in lists and exports)"}
	}
	if !store.UnitNameOK(*unit) {
		return usageError{"--unit: give the unit's name as text, without tabs, line breaks or other control characters"}
	}
	if *org != "" {
		// As the administration page: a typo would make a user or token
		// that silently sees nothing.
		if err := model.CheckOrgNumber(*org); err != nil {
			return usageError{fmt.Sprintf("--sender-org %s: %v", model.Quote(*org), err)}
		}
	}
	return nil
}

// checkName refuses (a wrong usage) a --name no user or token (what) may
// have, as the administration page does (one rule: store.UserNameOK,
// TokenNameOK): a user the login could not let in, an actor ("user:a:b")
// the audit log cannot tell from another. The commands that make one
// check it; those that find one (disable, enable, password, email,
// revoke) check only checkFoundName, so that a user or token named before
// today's rules is found as it is.
func checkName(what, name string) error {
	if err := checkFoundName(what, name); err != nil {
		return err
	}
	switch {
	case what == "user" && !store.UserNameOK(name):
		return usageError{fmt.Sprintf("--name: give a name of at most %d bytes, without spaces or colons", store.MaxUserName)}
	case what == "token" && !store.TokenNameOK(name):
		return usageError{fmt.Sprintf("--name: give a name of at most %d characters, without colons, tabs or line breaks; spaces are allowed, but not at its start or end", store.MaxTokenName)}
	}
	return nil
}

// checkFoundName refuses (a wrong usage, not echoed) the --name of a user
// or token (what) to be found when it holds a national id, which the
// messages naming the name looked for would write to the logs.
func checkFoundName(what, name string) error {
	if model.HoldsNationalID(name) {
		// Names are written to the logs as they are (the actor of every
		// line); the audit log would mask it.
		return usageError{"--name: a national id is no " + what + " name (names are written to the logs)"}
	}
	return nil
}
