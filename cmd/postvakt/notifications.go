package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/store"
)

const notificationsUsage = "usage: postvakt notifications list | release ID | confirm ID [--message-id M]"

// runNotifications lets the compliance officer settle reminders whose
// outcome is unknown (a crash or a cut connection after the message was
// handed over): they are never re-sent by themselves. release: checked, not
// delivered, send it again next run; confirm: checked, delivered, count it.
func runNotifications(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return usageError{notificationsUsage}
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	switch args[0] {
	case "list":
		un, err := st.UnresolvedNotifications(ctx)
		if err != nil {
			return err
		}
		for _, n := range un {
			fmt.Printf("%d\t%s\t%s\t%d shipment(s)\tclaimed %s\t%s\n", n.ID, n.Status, n.Org, n.Shipments,
				n.ClaimedAt.Format(time.RFC3339), n.LastError)
		}
		fmt.Printf("%d notification(s) need a look\n", len(un))
		refused, err := st.RefusedNotificationOrders(ctx)
		if err != nil {
			return err
		}
		for _, o := range refused {
			fmt.Printf("%d\torder refused\t%s\t%d shipment(s)\trefused %s\t%s\n", o.ID, o.Org, o.Shipments,
				o.RefusedAt.Format(time.RFC3339), o.Error)
		}
		fmt.Printf("%d Altinn Notifications order(s) refused for good (no contact information); the e-mail reminders went out, the orders are not placed again\n", len(refused))
		return nil
	case "release", "confirm":
		fs := newFlags("notifications " + args[0])
		msgID := fs.String("message-id", "", "with confirm: the Message-ID the mail server accepted")
		if len(args) < 2 {
			return usageError{notificationsUsage}
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return usageError{fmt.Sprintf("%q is not a notification id (see postvakt notifications list)", args[1])}
		}
		if err := parse(fs, args[2:]); err != nil {
			return err
		}
		now := time.Now()
		if args[0] == "release" {
			err = st.ReleaseNotification(ctx, id, now)
		} else {
			err = st.MarkNotificationSent(ctx, id, *msgID, now)
		}
		if err != nil {
			return fmt.Errorf("%s notification %d: %w", args[0], id, err)
		}
		if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: "notification_" + args[0],
			Object: "notification " + strconv.FormatInt(id, 10), Detail: *msgID}); err != nil {
			return err
		}
		fmt.Printf("notification %d %sd\n", id, args[0])
		return nil
	}
	return usageError{notificationsUsage}
}
