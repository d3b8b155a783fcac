package notice

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // dates are shown in Europe/Oslo, whatever the host has

	"postvakt/internal/calendar"
	"postvakt/internal/channel"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

var oslo = calendar.Oslo

// followUpNotices makes, per sending unit, the notice of its follow-ups
// that are due (deadline ahead) and of those overdue (deadline passed):
// to the unit's contact, its manager in copy. Each follow-up is told once
// per step (refs followup:<shipment>:due and :overdue).
func followUpNotices(units []store.UnitFollowUps, now time.Time, base string) []notice {
	var out []notice
	for _, u := range units {
		var due, overdue []store.FollowUp
		for _, f := range u.FollowUps {
			if f.Deadline.Before(now) {
				overdue = append(overdue, f)
			} else {
				due = append(due, f)
			}
		}
		for _, step := range []struct {
			kind string
			list []store.FollowUp
		}{{store.KindFollowUpDue, due}, {store.KindFollowUpOverdue, overdue}} {
			if len(step.list) == 0 {
				continue
			}
			suffix := ":due"
			if step.kind == store.KindFollowUpOverdue {
				suffix = ":overdue"
			}
			nt := notice{claim: store.NoticeClaim{Kind: step.kind, Group: "unit:" + strconv.FormatInt(u.UnitID, 10)}}
			for _, f := range step.list {
				nt.claim.Refs = append(nt.claim.Refs, store.NoticeRef{Ref: "followup:" + f.ShipmentID + suffix, ShipmentID: f.ShipmentID})
			}
			nt.to, nt.cc = addr(u.ContactEmail), addr(u.ManagerEmail)
			if len(nt.to) > 0 && len(nt.cc) > 0 && strings.EqualFold(nt.to[0], nt.cc[0]) {
				nt.cc = nil // the manager reads the unit's inbox: one copy, not two
			}
			u, list, kind := u, step.list, step.kind
			nt.compose = func(kept map[string]bool) text {
				var fs []store.FollowUp
				for _, f := range list {
					if kept["followup:"+f.ShipmentID+suffix] {
						fs = append(fs, f)
					}
				}
				return followUpMessage(u, fs, kind == store.KindFollowUpOverdue, now, base)
			}
			out = append(out, nt)
		}
	}
	return out
}

func addr(a string) []string {
	if a = strings.TrimSpace(a); a == "" {
		return nil
	}
	return []string{a}
}

// followUpMessage writes the Copenhagen mail for one unit: what happened,
// which letters, what to decide and by when, in the language of the
// sending organisation's country, then English (keys mail.followup.*).
func followUpMessage(u store.UnitFollowUps, fs []store.FollowUp, overdue bool, now time.Time, base string) text {
	deadline := fs[0].Deadline
	for _, f := range fs {
		if f.Deadline.Before(deadline) {
			deadline = f.Deadline
		}
	}
	n := len(fs)
	mail := i18n.NewMail(i18n.MailLanguages(model.OrgCountry(u.SenderOrg)))
	// The subject names no unit: a unit's name says what its letters are
	// about (Barnevernstjenesten), and a subject travels further than the
	// mail (inbox lists, phone notifications, mail servers' logs). The body
	// is addressed to the unit: it goes to the unit's own contact, the
	// manager in copy, who may keep more than one unit's letters.
	subject := mail.Joined(func(l *i18n.Localizer) string {
		if overdue {
			return l.T("mail.followup.subject_overdue", "Count", n)
		}
		return l.T("mail.followup.subject_due", "Count", n, "Deadline", deadline.In(oslo).Format(l.T("mail.date")))
	})
	body := mail.Body(func(l *i18n.Localizer, w func(string)) {
		date := l.T("mail.date")
		w(l.T("mail.followup.to", "Unit", u.Unit, "Org", remind.OrgName(l, u.SenderOrgName, u.SenderOrg)))
		w("")
		if overdue {
			w(l.T("mail.followup.overdue", "Count", n))
		} else {
			w(l.T("mail.followup.due", "Count", n))
		}
		w(l.T("mail.followup.copy"))
		w("")
		w(l.T("mail.followup.decide", "Count", n, "Date", deadline.In(oslo).Format(l.T("mail.date_long"))))
		for _, k := range []string{"mail.followup.decide_1", "mail.followup.decide_2", "mail.followup.decide_3"} {
			w("  " + l.T(k))
		}
		w(l.T("mail.followup.statutory"))
		w("")
		w(l.T("mail.followup.letters", "Count", n))
		for i, f := range fs {
			w(fmt.Sprintf("  %d. %s", i+1, channel.Ref(f.Channel, f.ChannelID, l.Lang())))
			w("     " + l.T("mail.followup.line", "Sent", f.SentAt.In(oslo).Format(date), "Recipient", recipient(l, f.RecipientKind, f.RecipientID),
				"Reason", reason(l, f.Reason), "Deadline", f.Deadline.In(oslo).Format(date)))
		}
		if base != "" {
			w("")
			w(l.T("mail.followup.record", "URL", base+"/followups"))
		}
	})
	return text{subject: subject, body: body + "\n" + autoFooter(mail) + "\n", langs: mail.Langs()}
}

// autoFooter says, in every language of the mail, that postvakt sent it.
func autoFooter(mail i18n.Mail) string {
	return mail.Joined(func(l *i18n.Localizer) string { return l.T("mail.auto") })
}

// digests makes, once a day from DigestHour (Europe/Oslo), one notice per
// sending organisation with overdue follow-ups to its compliance officers.
func (n *Notifier) digests(ctx context.Context, units []store.UnitFollowUps, now time.Time) ([]notice, error) {
	local := now.In(oslo)
	hour := n.DigestHour
	if hour <= 0 {
		hour = 7
	}
	if local.Hour() < hour {
		return nil, nil
	}
	byOrg := map[string][]store.UnitFollowUps{}
	var orgs []string
	for _, u := range units {
		var over []store.FollowUp
		for _, f := range u.FollowUps {
			if f.Deadline.Before(now) {
				over = append(over, f)
			}
		}
		if len(over) == 0 {
			continue
		}
		if _, ok := byOrg[u.SenderOrg]; !ok {
			orgs = append(orgs, u.SenderOrg)
		}
		u.FollowUps = over
		byOrg[u.SenderOrg] = append(byOrg[u.SenderOrg], u)
	}
	sort.Strings(orgs)
	date := local.Format("2006-01-02")
	var out []notice
	for _, org := range orgs {
		to, err := n.Store.UserEmails(ctx, "compliance", org, "")
		if err != nil {
			return nil, err
		}
		us := byOrg[org]
		nt := notice{claim: store.NoticeClaim{Kind: store.KindComplianceDigest, Group: "compliance:" + org,
			Refs: []store.NoticeRef{{Ref: "digest:" + date}}}, to: to}
		base := n.BaseURL
		nt.compose = func(map[string]bool) text { return digestMessage(us, local, base) }
		out = append(out, nt)
	}
	return out, nil
}

// digestMessage writes the compliance digest: per unit, its overdue
// follow-ups, in the language of the sending organisation's country, then
// English (keys mail.digest.*), and that postvakt sent it (autoFooter).
func digestMessage(units []store.UnitFollowUps, local time.Time, base string) text {
	total := 0
	var countries []string
	for _, u := range units {
		total += len(u.FollowUps)
		countries = append(countries, model.OrgCountry(u.SenderOrg))
	}
	mail := i18n.NewMail(i18n.MailLanguages(countries...))
	subject := mail.Joined(func(l *i18n.Localizer) string {
		return l.T("mail.digest.subject", "Count", total, "Date", local.Format(l.T("mail.date")))
	})
	body := mail.Body(func(l *i18n.Localizer, w func(string)) {
		w(l.T("mail.digest.intro", "Count", total))
		for _, u := range units {
			w("")
			w(l.T("mail.digest.unit", "Unit", u.Unit, "Org", remind.OrgName(l, u.SenderOrgName, u.SenderOrg), "N", i18n.Number(len(u.FollowUps)),
				"Manager", orNone(u.ManagerEmail)))
			for _, f := range u.FollowUps {
				w("  - " + l.T("mail.digest.line", "Ref", channel.Ref(f.Channel, f.ChannelID, l.Lang()), "Reason", reason(l, f.Reason),
					"Deadline", f.Deadline.In(oslo).Format(l.T("mail.date"))))
			}
		}
		if base != "" {
			w("")
			w(base + "/followups")
		}
	})
	return text{subject: subject, body: body + "\n" + autoFooter(mail) + "\n", langs: mail.Langs()}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recipient shows who a letter went to, in l's language: an organisation
// by its number, a person masked.
func recipient(l *i18n.Localizer, kind, ident string) string {
	if kind == model.RecipientPerson {
		return l.T("mail.person", "ID", model.MaskRecipient(kind, ident))
	}
	return remind.OrgName(l, "", ident)
}

// reasonKeys are the texts of the reasons a letter needs a follow-up.
var reasonKeys = map[string]string{"rejected": "mail.followup.reason.rejected", "failed": "mail.followup.reason.failed",
	"expired": "mail.followup.reason.expired", "unread": "mail.followup.reason.unread", "incident": "mail.followup.reason.incident"}

// reason says why a letter needs a follow-up in l's language: one opened
// from an alert's incident report ("alert 12") with the alert's number;
// an unknown reason as it is.
func reason(l *i18n.Localizer, r string) string {
	if k, ok := reasonKeys[r]; ok {
		return l.T(k)
	}
	if id, ok := strings.CutPrefix(r, "alert "); ok {
		return l.T("mail.followup.reason.alert", "ID", id)
	}
	return r
}
