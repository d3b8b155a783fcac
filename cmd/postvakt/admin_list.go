package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/store"
)

// userListed is a user as `user list --json` prints it: what the admin
// page lists, never its password hash.
type userListed struct {
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	SenderOrg  string     `json:"sender_org"`
	Unit       string     `json:"unit"`
	Email      string     `json:"email"`
	Sessions   int        `json:"sessions"` // unexpired
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at"`
}

// tokenListed is an API token as `token list --json` prints it: what the
// admin page lists, never its secret's hash.
type tokenListed struct {
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	SenderOrg  string     `json:"sender_org"`
	Unit       string     `json:"unit"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// listUsers is `postvakt user list [--json]`: every user by name, as the
// admin page lists them. Staff names and e-mail addresses are personal
// data: the view is audited as the page's is (view_list users, of every
// organisation), and nothing is shown when the entry cannot be written.
func listUsers(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	asJSON, err := parseList(v, args, `print {"users":[{"name","role","sender_org","unit","email","sessions","created_at","disabled_at"}]} as JSON`)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := auditList(ctx, a.st, "users"); err != nil {
		return err
	}
	users, err := a.st.Users(ctx, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]userListed, len(users))
		for i, u := range users {
			out[i] = userListed{Name: u.Name, Role: u.Role, SenderOrg: u.SenderOrg, Unit: u.Unit, Email: u.Email, Sessions: u.Sessions,
				CreatedAt: u.CreatedAt, DisabledAt: u.DisabledAt}
		}
		return printJSON(map[string]any{"users": out})
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tROLE\tORGANISATION\tUNIT\tE-MAIL\tSESSIONS\tCREATED\tSTATE\n")
	for _, u := range users {
		state := "enabled"
		if u.DisabledAt != nil {
			state = "disabled " + u.DisabledAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", u.Name, u.Role, orNone(u.SenderOrg), orNone(u.Unit), orNone(u.Email), u.Sessions,
			u.CreatedAt.Format(time.RFC3339), state)
	}
	return tw.Flush()
}

// listTokens is `postvakt token list [--json]`: the API tokens, active
// ones first, newest first, as the admin page lists them; audited as the
// page's view is (view_list api_tokens).
func listTokens(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	asJSON, err := parseList(v, args, `print {"tokens":[{"name","role","sender_org","unit","created_at","last_used_at","revoked_at"}]} as JSON`)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := auditList(ctx, a.st, "api_tokens"); err != nil {
		return err
	}
	tokens, err := a.st.Tokens(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]tokenListed, len(tokens))
		for i, t := range tokens {
			out[i] = tokenListed{Name: t.Name, Role: t.Role, SenderOrg: t.SenderOrg, Unit: t.Unit, CreatedAt: t.CreatedAt,
				LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
		}
		return printJSON(map[string]any{"tokens": out})
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tROLE\tORGANISATION\tUNIT\tCREATED\tLAST USED\tSTATE\n")
	for _, t := range tokens {
		used, state := "never", "active"
		if t.LastUsedAt != nil {
			used = t.LastUsedAt.Format(time.RFC3339)
		}
		if t.RevokedAt != nil {
			state = "revoked " + t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, orNone(t.SenderOrg), orNone(t.Unit), t.CreatedAt.Format(time.RFC3339), used, state)
	}
	return tw.Flush()
}

// parseList parses the flags of user list and token list: --json alone.
func parseList(v verbCall, args []string, jsonHelp string) (bool, error) {
	fs := v.flags()
	asJSON := fs.Bool("json", false, jsonHelp)
	if err := parse(fs, args); err != nil {
		return false, err
	}
	if fs.NArg() > 0 {
		return false, unexpectedArg(fs, fs.Arg(0))
	}
	return *asJSON, nil
}

// auditList writes the audit entry of a view of the users' or tokens'
// list (object users or api_tokens), as the admin page writes its: about
// every organisation, whose staff and systems it shows. The list is shown
// only once it is written.
func auditList(ctx context.Context, st *store.Store, object string) error {
	return st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: store.ActViewList, Object: object, SubjectOrg: store.SubjectAll})
}

// printJSON writes v to standard output as indented JSON.
func printJSON(v any) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// orNone is a value in a list's column: "-" for none.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
