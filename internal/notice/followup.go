package notice

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // dates are shown in Europe/Oslo, whatever the host has

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

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
			u, list, kind := u, step.list, step.kind
			nt.compose = func(kept map[string]bool) (string, string) {
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
// which letters, what to decide and by when (bokmål, then English).
func followUpMessage(u store.UnitFollowUps, fs []store.FollowUp, overdue bool, now time.Time, base string) (string, string) {
	deadline := fs[0].Deadline
	for _, f := range fs {
		if f.Deadline.Before(deadline) {
			deadline = f.Deadline
		}
	}
	n := len(fs)
	var subject string
	if overdue {
		subject = fmt.Sprintf("Frist passert: oppfølging av %d brev fra %s / Deadline passed: follow-up of %d letter(s)", n, u.Unit, n)
	} else {
		subject = fmt.Sprintf("Oppfølging: %d brev fra %s har ikke nådd fram, frist %s / Follow-up of %d letter(s), deadline %s",
			n, u.Unit, deadline.In(oslo).Format("02.01.2006"), n, deadline.In(oslo).Format("2 Jan 2006"))
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for i, t := range followUpTexts {
		if i > 0 {
			w("")
			w("-- English --")
			w("")
		}
		w(t.to, u.Unit, orgName(u.SenderOrgName, u.SenderOrg))
		w("")
		if overdue {
			w("%s", t.overdue)
		} else {
			w("%s", t.due)
		}
		w("%s", t.copy)
		w("")
		w(t.decide, deadline.In(oslo).Format(t.longDate))
		for _, d := range t.decisions {
			w("  %s", d)
		}
		w("%s", t.statutory)
		w("")
		w("%s", t.letters)
		for i, f := range fs {
			w("  %d. %s", i+1, channel.Ref(f.Channel, f.ChannelID, t.lang))
			w(t.line, f.SentAt.In(oslo).Format(t.date), recipient(f.RecipientKind, f.RecipientID),
				t.reason(f.Reason), f.Deadline.In(oslo).Format(t.date))
		}
		if base != "" {
			w("")
			w(t.record, base)
		}
	}
	w("")
	w("Denne e-posten er sendt automatisk av postvakt. / This e-mail was sent automatically by postvakt.")
	return subject, b.String()
}

// followUpText is the follow-up mail in one language.
type followUpText struct {
	lang, date, longDate             string
	to, due, overdue, copy, decide   string
	decisions                        []string
	statutory, letters, line, record string
	reason                           func(string) string
}

// followUpTexts are the follow-up mail's languages: bokmål, then English.
var followUpTexts = []followUpText{{
	lang: "no", date: "02.01.2006", longDate: "02.01.2006",
	to: "Til %s, %s",
	due: "postvakt har registrert at brevene nedenfor, sendt fra enheten, ikke har nådd fram til mottakeren:\n" +
		"de er avvist, kunne ikke leveres, er utløpt eller er fortsatt ikke åpnet.",
	overdue: "Fristen for å følge opp brevene nedenfor er passert, og det er ikke registrert noen beslutning.",
	copy:    "Lederen for enheten har fått kopi av denne e-posten.",
	decide:  "Dere må senest %s ta stilling til hvert brev:",
	decisions: []string{"1) Sende brevet på nytt til mottakeren.", "2) Skrive et nytt brev til mottakeren.",
		"3) Vurdere om det har fått konsekvenser for mottakeren eller for kommunen."},
	statutory: "Vær særlig oppmerksom på lovbestemte frister som kan være overskredet.",
	letters:   "Brev:", line: "     Sendt %s til %s; %s; frist %s", record: "Registrer beslutningen i postvakt: %s/followups",
	reason: reasonNO,
}, {
	lang: "en", date: "2 Jan 2006", longDate: "2 January 2006",
	to: "To %s, %s",
	due: "postvakt found that the letters below, sent by your unit, did not reach their recipient:\n" +
		"they were rejected, could not be delivered, expired or are still unopened.",
	overdue: "The deadline to follow up the letters below has passed and no decision is recorded.",
	copy:    "The unit's manager has a copy of this e-mail.",
	decide:  "By %s at the latest, decide for each letter whether to:",
	decisions: []string{"1) send it again to the recipient;", "2) write a new letter to the recipient;",
		"3) assess whether it had consequences for the recipient or the municipality."},
	statutory: "Watch in particular for statutory deadlines that may have passed.",
	letters:   "Letters:", line: "     Sent %s to %s; %s; deadline %s", record: "Record the decision in postvakt: %s/followups",
	reason: func(r string) string { return r },
}}

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
		nt.compose = func(map[string]bool) (string, string) { return digestMessage(us, local, base) }
		out = append(out, nt)
	}
	return out, nil
}

// digestMessage writes the compliance digest: per unit, its overdue
// follow-ups.
func digestMessage(units []store.UnitFollowUps, local time.Time, base string) (string, string) {
	total := 0
	for _, u := range units {
		total += len(u.FollowUps)
	}
	subject := fmt.Sprintf("Oversikt %s: %d oppfølginger med passert frist / Digest: %d overdue follow-up(s)",
		local.Format("02.01.2006"), total, total)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("Oppfølginger der fristen er passert uten registrert beslutning, per enhet.")
	w("Overdue follow-ups without a recorded decision, per sending unit.")
	for _, u := range units {
		w("")
		w("%s, %s: %d (leder / manager: %s)", u.Unit, orgName(u.SenderOrgName, u.SenderOrg), len(u.FollowUps), orNone(u.ManagerEmail))
		for _, f := range u.FollowUps {
			w("  - %s, %s, frist / deadline %s", channel.Ref(f.Channel, f.ChannelID, "en"), f.Reason, f.Deadline.In(oslo).Format("02.01.2006"))
		}
	}
	if base != "" {
		w("")
		w("%s/followups", base)
	}
	return subject, b.String()
}

func orgName(name, org string) string {
	if name != "" {
		return name + " (org.nr. " + org + ")"
	}
	return "org.nr. " + org
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recipient shows who a letter went to: an organisation number, a person
// masked.
func recipient(kind, ident string) string {
	if kind == model.RecipientPerson {
		return "person " + model.MaskRecipient(kind, ident)
	}
	return "org.nr. " + ident
}

func reasonNO(reason string) string {
	switch reason {
	case "rejected":
		return "avvist"
	case "failed":
		return "kunne ikke leveres"
	case "expired":
		return "utløpt"
	case "unread":
		return "ikke åpnet"
	}
	return reason
}
