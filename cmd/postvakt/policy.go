package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// policyVerbs checks the policy folder and explains a shipment's schedule.
var policyVerbs = &verbs{cmd: "policy", verbs: []verb{
	{"check", "[DIR]", "validate the policies, senders.yaml and health.yaml: a summary, or file:line: message for each problem", checkPolicies},
	{"explain", "SHIPMENT_ID", "which policy matched a shipment, and the dates of each of its future steps", explainShipment},
}}

// checkPolicies is policy check [DIR]: every problem as file:line: message
// (exit 1), or a summary.
func checkPolicies(_ context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{fmt.Sprintf("unexpected argument %q\n%s", fs.Arg(1), v.usage())}
	}
	dir := cfg.Policies
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	set, problems := policy.LoadDir(dir)
	health, hp := policy.LoadHealth(dir)
	for _, p := range hp {
		if !slices.Contains(problems, p) { // a missing folder, said by both
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p.String())
		}
		return fmt.Errorf("%d problem(s) in %s", len(problems), dir)
	}
	fmt.Printf("%s: %d policies, all valid\n", dir, len(set.Policies()))
	senders := filepath.Join(dir, policy.SendersFile)
	if _, err := os.Stat(senders); err != nil {
		fmt.Printf("%s: none, reminders name no contact\n", senders)
	} else {
		fmt.Printf("%s: %s\n", senders, sendersSummary(set.Senders()))
	}
	fmt.Println(healthSummary(health))
	return nil
}

// explainShipment is policy explain SHIPMENT_ID.
func explainShipment(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return v.usage()
	}
	return explain(ctx, cfg, fs.Arg(0))
}

func explain(ctx context.Context, cfg config.Config, id string) error {
	a, err := open(ctx, cfg, withPolicies|withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st, set := a.st, a.set
	sh, err := st.Shipment(ctx, id, store.Scope{})
	if err != nil {
		return fmt.Errorf("shipment %q (postvakt's id, as in the lists and the API): %w", id, err)
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
	osh, err := st.OpenShipmentByID(ctx, sh.ID)
	if err != nil {
		return err
	}
	steps, note, err := escalate.Explain(sh.State, sh.Stage, escalate.FactsOf(*osh), p, time.Now())
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Println(note)
	}
	loc := p.Calendar.Location()
	for _, s := range steps {
		fmt.Printf("  %-12s due %s, sent from %s\n", s.Step, s.Due.In(loc).Format("Mon 2006-01-02 15:04"), s.SendAt.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	return nil
}

// sendersSummary says what senders.yaml sets: how many sending
// organisations have a contact, and how many the reminders' subject does
// not name (said only when any).
func sendersSummary(senders map[string]policy.Sender) string {
	contacts, unnamed := 0, 0
	for _, s := range senders {
		if !s.Contact.IsZero() {
			contacts++
		}
		if s.NotInSubject {
			unnamed++
		}
	}
	out := fmt.Sprintf("contacts of %d sending organisation(s), named in their reminders", contacts)
	if unnamed > 0 {
		out += fmt.Sprintf("; %d not named in the reminders' subject (name_in_subject: false)", unnamed)
	}
	return out
}
