package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

func runPolicy(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return usageError{"usage: postvakt policy check [DIR] | postvakt policy explain SHIPMENT_ID"}
	}
	switch args[0] {
	case "check":
		dir := cfg.Policies
		if len(args) > 1 {
			dir = args[1]
		}
		set, problems := policy.LoadDir(dir)
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, p.String())
			}
			return fmt.Errorf("%d problem(s) in %s", len(problems), dir)
		}
		fmt.Printf("%s: %d policies, all valid\n", dir, len(set.Policies()))
		return nil
	case "explain":
		if len(args) != 2 {
			return usageError{"usage: postvakt policy explain SHIPMENT_ID"}
		}
		return explain(ctx, cfg, args[1])
	}
	return usageError{fmt.Sprintf("unknown policy command %q (check, explain)", args[0])}
}

// loadPolicies loads the policy folder, printing every problem.
func loadPolicies(dir string) (*policy.Set, error) {
	set, problems := policy.LoadDir(dir)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p.String())
		}
		return nil, fmt.Errorf("%d problem(s) in the policies in %s; not starting", len(problems), dir)
	}
	return set, nil
}

func explain(ctx context.Context, cfg config.Config, id string) error {
	set, err := loadPolicies(cfg.Policies)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	sh, err := st.Shipment(ctx, id, store.Scope{})
	if err != nil {
		return err
	}
	p, err := set.Match(policy.Facts{Channel: sh.Channel, Class: sh.Class, Confidential: sh.Confidential,
		RecipientKind: sh.RecipientKind, SenderOrg: sh.SenderOrg, SenderUnit: sh.SenderUnit})
	if err != nil {
		return err
	}
	since := sh.SentAt
	if sh.AvailableAt != nil {
		since = *sh.AvailableAt
	}
	fmt.Printf("shipment %s (%s %s), state %s, stage %s\n", sh.ID, sh.Channel, sh.ChannelID, sh.State, sh.Stage)
	fmt.Printf("policy %s (%s:%d), calendar %s, waiting since %s\n", p.Name, p.File, p.Line, p.Calendar.Name(), since.Format(time.RFC3339))
	if !sh.State.Open() {
		fmt.Println("no further steps: the shipment is no longer waiting to be read")
		return nil
	}
	steps, err := p.Explain(since)
	if err != nil {
		return err
	}
	loc := p.Calendar.Location()
	for _, s := range steps {
		fmt.Printf("  %-12s due %s, sent from %s\n", s.Step, s.Due.In(loc).Format("Mon 2006-01-02 15:04"), s.SendAt.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	return nil
}
