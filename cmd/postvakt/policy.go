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
	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// checkPolicies is policy check [DIR]: every problem as file:line: message
// (exit 1), or a summary.
func checkPolicies(_ context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return unexpectedArg(fs, fs.Arg(1))
	}
	// The folder is POSTVAKT_POLICIES's: one misspelt would check the
	// default policies/ without a word.
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	warnEnvironment(log)
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
	fmt.Fprintf(stdout, "%s: %d policies, all valid\n", dir, len(set.Policies()))
	senders := filepath.Join(dir, policy.SendersFile)
	if _, err := os.Stat(senders); err != nil {
		fmt.Fprintf(stdout, "%s: none, reminders name no contact\n", senders)
	} else {
		fmt.Fprintf(stdout, "%s: %s\n", senders, sendersSummary(set.Senders()))
	}
	fmt.Fprintln(stdout, healthSummary(health))
	return nil
}

// explainShipment is policy explain SHIPMENT_ID.
func explainShipment(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	id, err := parseOneArg(v.flags(), args)
	if err != nil {
		return err
	}
	return explain(ctx, cfg, id)
}

func explain(ctx context.Context, cfg config.Config, id string) error {
	a, err := open(ctx, cfg, withPolicies|withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	osh, err := a.st.OpenShipmentByID(ctx, id)
	if err != nil {
		return fmt.Errorf("shipment %s (postvakt's id, as in the lists and the API): %w", model.Quote(id), err)
	}
	o, err := escalate.OutlookOf(a.set, *osh, time.Now())
	if err != nil {
		return err
	}
	p := o.Policy
	fmt.Fprintf(stdout, "shipment %s (%s %s), state %s, stage %s\n", osh.ID, osh.Channel, osh.ChannelID, osh.State, osh.Stage)
	fmt.Fprintf(stdout, "policy %s (%s:%d), calendar %s, waiting since %s\n", p.Name, p.File, p.Line, p.Calendar.Name(), osh.Since().Format(time.RFC3339))
	// The policy's rules in the words of the UI's rules page (GET /rules).
	fmt.Fprintln(stdout, "  "+p.MatchTerm(policy.Everyone).English())
	for _, t := range p.Terms(policy.Everyone) {
		fmt.Fprintln(stdout, "  "+t.English())
	}
	if o.Note != "" {
		fmt.Fprintln(stdout, o.Note)
	}
	if o.Unheard {
		fmt.Fprintln(stdout, "the channel has never heard of it: its reminders are not sent until it does; print follows the policy")
	}
	if o.ToPerson {
		fmt.Fprintln(stdout, "the recipient is a person: reminders do not reach persons (postvakt has no address for them); print follows the policy")
	}
	loc := p.Calendar.Location()
	for _, s := range o.Steps {
		fmt.Fprintf(stdout, "  %-12s due %s, sent from %s\n", s.Step, s.Due.In(loc).Format("Mon 2006-01-02 15:04"), s.SendAt.In(loc).Format("Mon 2006-01-02 15:04"))
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
