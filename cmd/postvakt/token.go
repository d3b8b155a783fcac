package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// revokeToken is `postvakt token revoke --name N [--sender-org O]`: as the
// admin page's revoke, audited in the same transaction; requests with the
// token are refused from the next one on. The active token of that name
// is revoked (a name is unique among the active tokens of an
// organisation); when tokens of several organisations have it,
// --sender-org says which (--sender-org "": the one of none). A token
// revoked already is said and left as it is (exit 0): an off-boarding
// script may run twice.
func revokeToken(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	name := fs.String("name", "", "the token's name (required)")
	org := fs.String("sender-org", "", "the token's sender organisation (needed when tokens of several have the name; \"\": none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	orgGiven := false
	fs.Visit(func(f *flag.Flag) { orgGiven = orgGiven || f.Name == "sender-org" })
	switch {
	case fs.NArg() != 0:
		return unexpectedArg(fs, fs.Arg(0))
	case *name == "":
		return usageError{fmt.Sprintf("--name is required\n%s", v.usage())}
	}
	// Not checked as token create checks a new name: a token named
	// before today's rules (a colon, a blank at an end) is found as it
	// is and revoked, as on the admin page.
	if err := checkFoundName("token", *name); err != nil {
		return err
	}
	if *org != "" {
		if err := model.CheckOrgNumber(*org); err != nil {
			return usageError{fmt.Sprintf("--sender-org %s: %v", model.Quote(*org), err)}
		}
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	all, err := a.st.Tokens(ctx)
	if err != nil {
		return err
	}
	var active, revoked []store.TokenRow
	for _, t := range all {
		switch {
		case t.Name != *name || orgGiven && t.SenderOrg != *org:
		case t.RevokedAt == nil:
			active = append(active, t)
		default:
			revoked = append(revoked, t)
		}
	}
	of := ""
	if orgGiven {
		of = " of " + orgOf(*org)
	}
	switch {
	case len(active) > 1:
		orgs := make([]string, len(active))
		for i, t := range active {
			orgs[i] = orgOf(t.SenderOrg)
		}
		return fmt.Errorf("%d active API tokens are named %q, of %s: say which with --sender-org (\"\" for the one of none)",
			len(active), *name, strings.Join(orgs, ", "))
	case len(active) == 0 && len(revoked) > 0:
		fmt.Fprintf(stdout, "token %s%s is revoked already: nothing changed\n", *name, of)
		return nil
	case len(active) == 0:
		for _, t := range all {
			// Names are unique in any case: one in another case is the
			// one meant, said rather than taken (matched exactly).
			if t.RevokedAt == nil && strings.EqualFold(t.Name, *name) && (!orgGiven || t.SenderOrg == *org) {
				return fmt.Errorf("no API token is named %q%s; there is %q (names are matched exactly)", *name, of, t.Name)
			}
		}
		return fmt.Errorf("no API token is named %q%s", *name, of)
	}
	t := active[0]
	err = a.st.RevokeTokenAudited(ctx, t.ID, time.Now(), &store.AuditEntry{Actor: actor(), Action: store.ActTokenRevoke,
		Object: "token:" + t.Name, SenderOrg: t.SenderOrg, SubjectOrg: auth.AccessSubject(t.Role, t.SenderOrg)})
	if errors.Is(err, store.ErrNotFound) {
		// Revoked between the look-up and now (the admin page).
		fmt.Fprintf(stdout, "token %s is revoked already: nothing changed\n", tokenLabel(t))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "token %s revoked: requests with it are refused from now on\n", tokenLabel(t))
	return nil
}

// orgOf names a token's sender organisation in a message: its number, or
// "no organisation" for an unscoped token.
func orgOf(org string) string {
	if org == "" {
		return "no organisation"
	}
	return org
}

// tokenLabel is a token as the command's output names it: sak, or sak of
// 964338531.
func tokenLabel(t store.TokenRow) string {
	if t.SenderOrg == "" {
		return t.Name
	}
	return t.Name + " of " + t.SenderOrg
}
