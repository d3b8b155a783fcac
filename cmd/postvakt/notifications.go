package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

func listNotifications(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	if err := v.noArgs(args); err != nil {
		return err
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	un, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range un {
		what, count := listed(n)
		if n.Kind != store.KindReminder {
			count = what + ", " + count
		}
		fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\tclaimed %s\t%s\n", n.ID, n.Status, n.Org, count,
			n.ClaimedAt.Format(time.RFC3339), n.LastError)
	}
	fmt.Fprintf(stdout, "%d notification(s) need a look\n", len(un))
	refused, err := st.RefusedNotificationOrders(ctx)
	if err != nil {
		return err
	}
	for _, o := range refused {
		fmt.Fprintf(stdout, "%d\t%s\t%s\t%d shipment(s)\trefused %s\t%s\n", o.ID, o.What().English(), o.Org, o.Shipments,
			o.RefusedAt.Format(time.RFC3339), o.Error)
	}
	// What follows each kind, in the words the web page says it in
	// (/refused): the catalogue's English.
	mail, byOrder := store.RefusedOrder{}, store.RefusedOrder{ByOrder: true}
	fmt.Fprintf(stdout, "%s; %s: %s; %s: %s\n", store.RefusedCount(len(refused)).English(),
		mail.What().English(), mail.Follows().English(), byOrder.What().English(), byOrder.Follows().English())
	return nil
}

// listed names what a notification is and counts what it lists: a
// reminder and its letters ("reminder", "3 shipment(s)"), a notice by its
// kind and its items ("compliance_digest notice", "1 item(s)": a day's
// digest or a held batch is one item, as a follow-up or a case is).
func listed(n store.Notification) (what, count string) {
	if n.Kind == store.KindReminder {
		return "reminder", fmt.Sprintf("%d shipment(s)", n.Shipments)
	}
	return n.Kind + " notice", fmt.Sprintf("%d item(s)", n.Shipments)
}

// notificationActions are the audit actions of settleNotification, by verb.
var notificationActions = map[string]store.AuditAction{"release": store.ActNotificationRelease, "confirm": store.ActNotificationConfirm}

// settleNotification is notifications release and notifications confirm.
func settleNotification(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	// Only confirm takes the Message-ID: release given one would drop it
	// without a word.
	msgID := new(string)
	if v.name == "confirm" {
		msgID = fs.String("message-id", "", "the Message-ID the mail server accepted")
	}
	arg, err := parseOneArg(fs, args)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return usageError{fmt.Sprintf("%q is not a notification id (see postvakt notifications list)", arg)}
	}
	// As the Reminders page's confirm: a text from outside, one a mail
	// header's line holds (also written into the audit log).
	*msgID = strings.TrimSpace(*msgID)
	if pr := model.TextProblem(*msgID, store.MaxMessageIDLen); pr.Key != "" {
		return usageError{"--message-id: " + pr.English()}
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	now := time.Now()
	if v.name == "release" {
		err = st.ReleaseNotification(ctx, id, now)
	} else {
		err = st.ConfirmNotificationSent(ctx, id, *msgID, now)
	}
	if err != nil {
		return fmt.Errorf("%s notification %d: %w", v.name, id, err)
	}
	if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: notificationActions[v.name],
		Object: "notification " + strconv.FormatInt(id, 10), Detail: *msgID}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "notification %d %sd\n", id, v.name)
	return nil
}
