package upkeep

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The notices postvakt mails its own users (the compliance digest, a held
// print batch's notice, a unit's follow-ups) keep their recipients, people's
// e-mail addresses, in the notification log. A notice settled longer ago
// than the retention period that lists no letter still kept loses them
// (and its errors, a mail server's words about them), as a health alert's
// notices do: a compliance officer disabled years ago, whose address the
// purge took from the user, kept it in every digest ever sent to them. A
// recent notice, one listing a letter still kept, and one whose outcome is
// still unknown (to be settled by a person) keep theirs.
func TestRetentionClearsTheRecipientsOfOldNotices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 7, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	kept := register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL-BEHOLDT", now.AddDate(-1, 0, 0)})[0]
	notice := func(kind, group string, ref store.NoticeRef, to string, at time.Time, sent bool) int64 {
		t.Helper()
		res, err := st.ClaimNotice(ctx, store.NoticeClaim{Kind: kind, Group: group, Refs: []store.NoticeRef{ref},
			Recipients: []string{to}, Now: at})
		if err != nil || res.Notification == nil {
			t.Fatalf("claim %s: %v %v", kind, res, err)
		}
		id := res.Notification.ID
		if sent {
			err = st.MarkNotificationSent(ctx, id, "<m@x>", at.Add(time.Second))
		} else {
			err = st.MarkNotificationUnknown(ctx, id, "421 connection lost to "+to, at.Add(time.Second))
		}
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	cases := []struct {
		name     string
		id       int64
		wantKept bool
	}{
		{"old digest", notice(store.KindComplianceDigest, "compliance:"+bergen, store.NoticeRef{Ref: "digest:2020-01-10"},
			"kari.etterlevelse@bergen.kommune.no", old, true), false},
		{"old held batch notice", notice(store.KindEscalation, "role:compliance", store.NoticeRef{Ref: "held:7"},
			"ola.etterlevelse@bergen.kommune.no", old, true), false},
		{"recent digest", notice(store.KindComplianceDigest, "compliance:"+bergen, store.NoticeRef{Ref: "digest:2026-05-01"},
			"per.etterlevelse@bergen.kommune.no", now.AddDate(0, -1, 0), true), true},
		{"old notice of a letter kept", notice(store.KindFollowUpDue, "unit:1", store.NoticeRef{Ref: "followup:" + kept, ShipmentID: kept},
			"anne.saksbehandler@bergen.kommune.no", old, true), true},
		{"old digest of unknown outcome", notice(store.KindComplianceDigest, "compliance:"+firma, store.NoticeRef{Ref: "digest:2020-01-11"},
			"nils.etterlevelse@firma.no", old, false), true},
	}
	p, err := purge(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		var n struct {
			Recipients int    `db:"recipients"`
			LastError  string `db:"last_error"`
		}
		if err := st.DB().Get(&n, `SELECT cardinality(recipients) AS recipients, last_error FROM notifications WHERE id = $1`, tc.id); err != nil {
			t.Fatal(err)
		}
		if kept := n.Recipients > 0; kept != tc.wantKept {
			t.Errorf("%s: recipients kept %v, want %v", tc.name, kept, tc.wantKept)
		}
		if !tc.wantKept && n.LastError != "" {
			t.Errorf("%s: its error %q kept", tc.name, n.LastError)
		}
	}
	if p.Notices != 2 {
		t.Errorf("%d notices counted, want 2", p.Notices)
	}
}
