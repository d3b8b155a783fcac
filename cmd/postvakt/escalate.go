package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
	"postvakt/internal/policy"
	"postvakt/internal/printing"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// smtpConfig reads the SMTP settings from the environment
// (POSTVAKT_SMTP_ADDR, POSTVAKT_SMTP_FROM, POSTVAKT_SMTP_USER,
// POSTVAKT_SMTP_PASSWORD).
func smtpConfig() remind.SMTPConfig {
	return remind.SMTPConfig{
		Addr:     os.Getenv("POSTVAKT_SMTP_ADDR"),
		From:     os.Getenv("POSTVAKT_SMTP_FROM"),
		User:     os.Getenv("POSTVAKT_SMTP_USER"),
		Password: os.Getenv("POSTVAKT_SMTP_PASSWORD"),
	}
}

// buildEscalator wires an escalation run to an open store. Without an SMTP
// server (POSTVAKT_SMTP_ADDR unset) it still decides and marks print due;
// reminders are then recorded as failed and go out once a server is set,
// unless needSMTP, which makes that an error. With POSTVAKT_PROFILE_URL,
// organisations without imported addresses are looked up in Altinn Profile;
// with POSTVAKT_NOTIFICATIONS_URL, every reminder is also ordered through
// Altinn Notifications. The cron job in serve uses it too.
func buildEscalator(cfg config.Config, st *store.Store, set *policy.Set, log *slog.Logger, needSMTP bool) (*escalate.Escalator, error) {
	sc := smtpConfig()
	var sender remind.Sender
	if sc.Addr != "" || needSMTP {
		s, err := remind.NewSMTP(sc)
		if err != nil {
			return nil, fmt.Errorf("reminders need an SMTP server: %w", err)
		}
		sender = s
	} else {
		log.Warn("POSTVAKT_SMTP_ADDR is not set: reminders are not sent (recorded as failed, sent once it is set)")
	}
	if sc.From == "" {
		sc.From = "postvakt@localhost"
	}
	r := &remind.Reminder{Log: st, Sender: sender, From: sc.From, Logger: log}
	esc := &escalate.Escalator{Store: st, Policies: set, Remind: r, Logger: log}
	profileURL := strings.TrimRight(os.Getenv("POSTVAKT_PROFILE_URL"), "/")
	notifyURL := strings.TrimRight(os.Getenv("POSTVAKT_NOTIFICATIONS_URL"), "/")
	if profileURL != "" {
		tokens, err := altinnTokens(cfg, log, remind.ProfileScope)
		if err != nil {
			return nil, err
		}
		hc, err := httpclient.New(httpclient.Options{Name: "altinn-profile", BaseURL: profileURL, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("altinn profile client: %w", err)
		}
		res := &remind.Resolver{Book: st, Profile: &remind.Profile{HTTP: hc, Tokens: tokens}, Logger: log}
		esc.Addresses = res
	}
	if notifyURL != "" {
		tokens, err := altinnTokens(cfg, log, notificationsScope)
		if err != nil {
			return nil, err
		}
		hc, err := httpclient.New(httpclient.Options{Name: "altinn-notifications", BaseURL: notifyURL, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("altinn notifications client: %w", err)
		}
		r.Orders = &remind.Orders{Log: st, Notifier: &remind.Notifier{HTTP: hc, Tokens: tokens}}
	}
	return esc, nil
}

// notificationsScope is what Altinn Notifications orders need. (The
// Profile lookup has its own, remind.ProfileScope: each gets its own
// token, so a client not granted one scope still gets the other service.)
const notificationsScope = "altinn:serviceowner/notifications.create altinn:serviceowner"

// altinnTokens is a token source for Altinn Profile or Notifications with
// the given scope: a Maskinporten source (POSTVAKT_MASKINPORTEN_*), its
// tokens exchanged for Altinn tokens when POSTVAKT_ALTINN_EXCHANGE_URL is
// set; nil without Maskinporten.
func altinnTokens(cfg config.Config, log *slog.Logger, scope string) (remind.TokenSource, error) {
	m := cfg.Maskinporten
	if m.URL == "" {
		log.Warn("POSTVAKT_MASKINPORTEN_URL is not set: Altinn Profile and Notifications are called without a token")
		return nil, nil
	}
	if m.ClientID == "" || m.KeyFile == "" {
		return nil, errors.New("POSTVAKT_MASKINPORTEN_URL is set, so POSTVAKT_MASKINPORTEN_CLIENT_ID and POSTVAKT_MASKINPORTEN_KEY_FILE are needed too")
	}
	hc, err := httpclient.New(httpclient.Options{Name: "maskinporten-notify", Logger: log})
	if err != nil {
		return nil, err
	}
	src, err := maskinporten.New(maskinporten.Config{TokenURL: m.URL, Audience: m.Audience, ClientID: m.ClientID,
		KeyFile: m.KeyFile, Scope: scope}, hc)
	if err != nil {
		return nil, fmt.Errorf("maskinporten for altinn notifications: %w", err)
	}
	if cfg.Altinn.ExchangeURL == "" {
		return src, nil
	}
	return &remind.Exchanger{Platform: cfg.Altinn.ExchangeURL, HTTP: hc, Source: src}, nil
}

func runEscalate(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("escalate")
	once := fs.Bool("once", false, "run the escalation once and exit (the scheduled run is part of serve)")
	nowFlag := fs.String("now", "", "run as of this time (RFC 3339), default now")
	dry := fs.Bool("dry-run", false, "print what would be sent; change nothing")
	show := fs.Bool("show-messages", false, "with --dry-run: print every message in full")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*once || fs.NArg() != 0 {
		return usageError{"usage: postvakt escalate --once [--now RFC3339] [--dry-run [--show-messages]]"}
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return usageError{fmt.Sprintf("--now %q is not an RFC 3339 time (e.g. 2026-11-24T09:00:00+01:00)", *nowFlag)}
		}
		now = t
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	set, err := loadPolicies(cfg.Policies)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	esc, err := buildEscalator(cfg, st, set, log, !*dry)
	if err != nil {
		return err
	}
	var printer *printing.Service
	if cfg.PrintURL != "" && !*dry {
		if printer, err = newPrintService(st, log, set, 50); err != nil {
			return err
		}
		esc.Printer = printer
	}
	var sum escalate.Summary
	if *dry {
		esc.OnOutcome = func(o remind.Outcome) { printPreview(o, *show) }
		sum, err = esc.Preview(ctx, now)
	} else {
		sum, err = esc.Run(ctx, now)
	}
	fmt.Println(sum.String())
	if len(sum.AddressUnknown) > 0 {
		fmt.Printf("organisations whose address lookup in Altinn failed (tried again next run): %s\n",
			strings.Join(sum.AddressUnknown, " "))
	}
	if len(sum.NoAddress) > 0 {
		fmt.Printf("organisations without an e-mail address (add them with `postvakt contacts import`): %s\n",
			strings.Join(sum.NoAddress, " "))
	}
	if err != nil {
		return err
	}
	if printer != nil {
		ps, err := printer.RunOnce(ctx, now)
		fmt.Printf("print: %+v\n", ps)
		if err != nil {
			return err
		}
	}
	return printUnresolved(ctx, st)
}

// printPreview prints what a dry run would send to one organisation.
func printPreview(o remind.Outcome, full bool) {
	switch o.Status {
	case remind.StatusPreview:
		fmt.Printf("would remind %s (%s): %d shipment(s)\n", o.Org, strings.Join(o.Message.To, ", "), len(o.Shipments))
		for _, s := range o.Shipments {
			fmt.Printf("  %s %s %s (reminder %d)\n", s.ID, s.Channel, s.ChannelID, s.Reminder)
		}
		if full {
			fmt.Printf("  Subject: %s\n  Message-ID: %s\n\n%s\n", o.Message.Subject, o.Message.MessageID, o.Message.Body)
		}
	case remind.StatusNoAddress:
		fmt.Printf("cannot remind %s: no e-mail address; %d shipment(s) wait\n", o.Org, len(o.Shipments))
	}
	for _, d := range o.Dropped {
		fmt.Printf("  left out %s (reminder %d): %s\n", d.ShipmentID, d.Reminder, d.Reason)
	}
}

// printUnresolved lists reminders whose outcome is unknown: they are never
// sent again by themselves.
func printUnresolved(ctx context.Context, st *store.Store) error {
	un, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range un {
		if n.Status == store.NotifyUnknown {
			fmt.Printf("reminder %d to %s (%d shipment(s), claimed %s): outcome unknown, not sent again: %s\n",
				n.ID, n.Org, n.Shipments, n.ClaimedAt.Format(time.RFC3339), n.LastError)
		}
	}
	return nil
}
