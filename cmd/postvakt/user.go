package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/config"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// addUser is `postvakt user add --name N --role R [--sender-org O] [--unit
// U] [--email E]`. The password is read from standard input (first line)
// when it is piped; otherwise a random one is generated and printed once.
func addUser(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	var u store.User
	fs.StringVar(&u.Email, "email", "", "the user's e-mail address: escalation notices to the user's role and the compliance digest go there")
	if err := parseScoped(fs, args, "user", &u.Name, &u.Role, &u.SenderOrg, &u.Unit); err != nil {
		return err
	}
	if u.Email != "" {
		if msg := remind.CheckEmail(u.Email); msg != "" {
			return usageError{"--email: " + msg}
		}
	}
	password, generated, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	if u.PasswordHash, err = auth.HashPassword(password); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withMigrate)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	// Audited in the same transaction: a failed audit write stores
	// nothing, so running the command again makes the user.
	if _, err := st.CreateUserAudited(ctx, u, &store.AuditEntry{Actor: actor(), Action: store.ActUserAdd, Object: "user:" + u.Name,
		Detail: store.DescribeAccess(u.Role, u.SenderOrg, u.Unit, u.Email), SenderOrg: u.SenderOrg,
		SubjectOrg: auth.AccessSubject(u.Role, u.SenderOrg)}); errors.Is(err, store.ErrExists) {
		return takenName(ctx, st, u.Name, err)
	} else if err != nil {
		return err
	}
	if generated {
		if _, err := fmt.Fprintf(stdout, "user %s created; password (shown once): %s\n", u.Name, password); err != nil {
			return secretNotShown(u.Name, err)
		}
	} else {
		fmt.Fprintf(stdout, "user %s created\n", u.Name)
	}
	return warnUnknownUnit(ctx, st, u.SenderOrg, u.Unit)
}

// takenName is user add's error for a name a user has in any case (err
// when it cannot be told): the user there, and, when it is disabled, how
// it is let in again (a returning employee is that user).
func takenName(ctx context.Context, st *store.Store, name string, err error) error {
	users, lerr := st.Users(ctx, time.Now())
	if lerr != nil {
		return err
	}
	i := slices.IndexFunc(users, func(u store.UserRow) bool { return strings.EqualFold(u.Name, name) })
	switch {
	case i < 0:
		return err
	case users[i].DisabledAt != nil:
		return fmt.Errorf("user %q exists (names are unique in any case), disabled: postvakt user enable --name %s lets it log in again", users[i].Name, users[i].Name)
	}
	return fmt.Errorf("user %q exists (names are unique in any case)", users[i].Name)
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

// setUserEmail is `postvakt user email`: it sets (or, with --email "",
// clears) a user's e-mail address, audited; --email must be given.
func setUserEmail(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	name := fs.String("name", "", "the user (required)")
	email := fs.String("email", "", "the address; empty clears it")
	if err := parse(fs, args); err != nil {
		return err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "email" })
	switch {
	case fs.NArg() != 0:
		return unexpectedArg(fs, fs.Arg(0))
	case *name == "" || !given:
		// Without --email the address would be cleared: a forgotten flag
		// is no way to say so (--email "" is).
		return usageError{fmt.Sprintf("--name and --email are required (--email \"\" clears the address)\n%s", v.usage())}
	}
	// An existing user's name, found as it is (findUser): a name made
	// before today's rules (checkName) is changed too.
	if err := checkFoundName("user", *name); err != nil {
		return err
	}
	if *email != "" {
		if msg := remind.CheckEmail(*email); msg != "" {
			return usageError{"--email: " + msg}
		}
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := findUser(ctx, a.st, *name)
	if err != nil {
		return err
	}
	// Audited in the same transaction: unchanged when the entry cannot be
	// written. The entry is the user's organisation's, as a disable's.
	if err := a.st.SetUserEmailAudited(ctx, u.Name, *email, &store.AuditEntry{Actor: actor(), Action: store.ActUserEmail,
		Object: "user:" + u.Name, Detail: *email, SenderOrg: u.SenderOrg, SubjectOrg: auth.AccessSubject(u.Role, u.SenderOrg)}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s: e-mail %q\n", u.Name, *email)
	return nil
}

// findUser is the user of name (matched exactly), or an error saying
// there is none, naming the user of that name in another case when there
// is one: names are unique in any case, so it is the one meant, said
// rather than taken. The commands that change a user by --name find it
// here, by any name a user has (not checked as a new name is).
func findUser(ctx context.Context, st *store.Store, name string) (store.UserRow, error) {
	users, err := st.Users(ctx, time.Now())
	if err != nil {
		return store.UserRow{}, err
	}
	if i := slices.IndexFunc(users, func(u store.UserRow) bool { return u.Name == name }); i >= 0 {
		return users[i], nil
	}
	if j := slices.IndexFunc(users, func(u store.UserRow) bool { return strings.EqualFold(u.Name, name) }); j >= 0 {
		return store.UserRow{}, fmt.Errorf("no user is named %q; there is %q (names are matched exactly)", name, users[j].Name)
	}
	return store.UserRow{}, fmt.Errorf("no user is named %q (postvakt user add makes one)", name)
}

// setUserDisabled is `postvakt user disable|enable --name N`: as the admin
// page's disable and enable, audited in the same transaction. A disabled
// user's sessions end at once and it can no longer log in. A user already
// so is said and left as it is (exit 0): an off-boarding script may run
// twice.
func setUserDisabled(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	name, err := parseUserName(v, args)
	if err != nil {
		return err
	}
	disable := v.name == "disable"
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := findUser(ctx, a.st, name)
	if err != nil {
		return err
	}
	action := map[bool]store.AuditAction{true: store.ActUserDisable, false: store.ActUserEnable}[disable]
	changed, err := a.st.SetUserDisabledAudited(ctx, u.ID, disable, time.Now(), &store.AuditEntry{Actor: actor(), Action: action,
		Object: "user:" + u.Name, SenderOrg: u.SenderOrg, SubjectOrg: auth.AccessSubject(u.Role, u.SenderOrg)})
	switch {
	case err != nil:
		return err
	case !changed:
		fmt.Fprintf(stdout, "user %s is %sd already: nothing changed\n", u.Name, v.name)
	case disable:
		fmt.Fprintf(stdout, "user %s disabled: its sessions ended, it can no longer log in\n", u.Name)
	default:
		fmt.Fprintf(stdout, "user %s enabled: it can log in again\n", u.Name)
	}
	return nil
}

// resetPassword is `postvakt user password --name N`: as the admin page's
// reset, for an administrator the page no longer lets in. The new
// password is generated and printed once, never read from standard
// input: an off-boarding script's loop reading names gives the command
// its input, whose next name would be taken as the password (and skipped
// by the loop). Every session of the user ends. Changed and audited in
// the same transaction: when the entry cannot be written the old
// password stays and none is shown.
func resetPassword(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	name, err := parseUserName(v, args)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := findUser(ctx, a.st, name)
	if err != nil {
		return err
	}
	password := auth.GeneratePassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("hash the new password: %w", err)
	}
	if err := a.st.SetUserPasswordAudited(ctx, u.ID, hash, &store.AuditEntry{Actor: actor(), Action: store.ActUserPassword,
		Object: "user:" + u.Name, Detail: "sessions ended", SenderOrg: u.SenderOrg, SubjectOrg: auth.AccessSubject(u.Role, u.SenderOrg)}); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "user %s: sessions ended; new password (shown once): %s\n", u.Name, password); err != nil {
		return secretNotShown(u.Name, err)
	}
	if u.DisabledAt != nil {
		fmt.Fprintf(os.Stderr, "note: user %s is disabled: it cannot log in until postvakt user enable --name %s\n", u.Name, u.Name)
	}
	return nil
}

// parseUserName parses the flags of a verb that takes a user's --name
// alone (disable, enable, password): required. It is not checked as user
// add checks a new name: a user named before today's rules (a space, a
// colon) is found as it is and can be disabled, as on the admin page.
func parseUserName(v verbCall, args []string) (string, error) {
	fs := v.flags()
	name := fs.String("name", "", "the user (required)")
	if err := parse(fs, args); err != nil {
		return "", err
	}
	switch {
	case fs.NArg() != 0:
		return "", unexpectedArg(fs, fs.Arg(0))
	case *name == "":
		return "", usageError{fmt.Sprintf("--name is required\n%s", v.usage())}
	}
	return *name, checkFoundName("user", *name)
}
