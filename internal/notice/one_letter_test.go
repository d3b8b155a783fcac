package notice

import (
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A follow-up notice about one letter speaks of that letter ("the letter
// below … it", "Letter:"), in every language of the mail; about two, of
// the letters.
func TestFollowUpNoticeOfOneLetterIsSingular(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	fu := func(org string, n int, deadline time.Time) store.UnitFollowUps {
		u := store.UnitFollowUps{UnitID: 1, SenderOrg: org, Unit: "Barnevernstjenesten"}
		for i := range n {
			u.FollowUps = append(u.FollowUps, store.FollowUp{ShipmentID: "s" + string(rune('0'+i)), Channel: "svarut",
				ChannelID: "c" + string(rune('0'+i)), RecipientKind: model.RecipientOrg, RecipientID: "974760673",
				SentAt: now.AddDate(0, 0, -20), Reason: "rejected", Deadline: deadline})
		}
		return u
	}
	later, earlier := now.AddDate(0, 0, 5), now.AddDate(0, 0, -1)
	for _, tc := range []struct {
		name        string
		u           store.UnitFollowUps
		overdue     bool
		want, never []string
	}{
		{"one Norwegian letter due", fu(bergen, 1, later), false, []string{
			"postvakt har registrert at brevet nedenfor, sendt fra enheten, ikke har nådd fram til mottakeren:\ndet er avvist,",
			"ta stilling til brevet:", "\nBrev:\n",
			"postvakt found that the letter below, sent by your unit, did not reach its recipient:\nit was rejected,",
			"at the latest, decide whether to:", "\nLetter:\n",
		}, []string{"brevene", "hvert brev", "letters", "each letter", "they were", "Letters:"}},
		{"one Norwegian letter overdue", fu(bergen, 1, earlier), true, []string{
			"Fristen for å følge opp brevet nedenfor er passert", "The deadline to follow up the letter below has passed",
		}, []string{"brevene", "letters"}},
		{"one Danish letter due", fu(kobenhavn, 1, later), false, []string{
			"postvakt har registreret, at brevet nedenfor, sendt fra enheden, ikke er nået frem til modtageren:\ndet er afvist,",
			"tage stilling til brevet:", "\nBrev:\n", "\nLetter:\n",
		}, []string{"brevene", "Breve:", "hvert brev", "letters"}},
		{"one Danish letter overdue", fu(kobenhavn, 1, earlier), true, []string{
			"Fristen for at følge op på brevet nedenfor er overskredet",
		}, []string{"brevene", "letters"}},
		{"two Danish letters due", fu(kobenhavn, 2, later), false, []string{
			"at brevene nedenfor", "de er afvist", "tage stilling til hvert brev:", "\nBreve:\n",
			"the letters below", "decide for each letter whether to:", "\nLetters:\n",
		}, nil},
	} {
		m := followUpMessage(tc.u, tc.u.FollowUps, tc.overdue, now, "")
		logtest.Says(t, tc.name, m.body, tc.want, tc.never)
	}
}

// The escalation notice and the compliance digest about one letter speak
// of it, not of "the letters below" or "follow-ups, per sending unit".
func TestEscalationAndDigestOfOneLetterAreSingular(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	failed := func(org string) store.EscalationCase {
		return store.EscalationCase{Case: store.CaseFailed, ShipmentID: "s1", Channel: "svarut", ChannelID: "c1", State: model.StateRejected,
			RecipientKind: model.RecipientOrg, RecipientID: "974760673", SenderOrg: org, SenderUnit: "NAV", Since: now}
	}
	overdue := func(org string, n int) []store.UnitFollowUps {
		u := store.UnitFollowUps{UnitID: 1, SenderOrg: org, Unit: "NAV"}
		for i := range n {
			u.FollowUps = append(u.FollowUps, store.FollowUp{ShipmentID: "s" + string(rune('0'+i)), Channel: "svarut",
				ChannelID: "c" + string(rune('0'+i)), Reason: "rejected", Deadline: now.AddDate(0, 0, -1)})
		}
		return []store.UnitFollowUps{u}
	}
	for _, tc := range []struct {
		name        string
		body        string
		want, never []string
	}{
		{"escalation of one Norwegian letter", escalationMessage([]store.EscalationCase{failed(bergen)}, nil, "").body, []string{
			"Du får denne e-posten fordi regelsettet for brevet nedenfor nevner deg (escalation.to).",
			"You get this e-mail because the policy of the letter below lists you (escalation.to).",
		}, []string{"brevene nedenfor", "letters below"}},
		{"escalation of one Danish letter, counted", escalationMessage(nil, []store.EscalationCase{failed(kobenhavn)}, "").body, []string{
			"Du får denne e-mail, fordi regelsættet for brevet nedenfor nævner dig (escalation.to).",
		}, []string{"brevene nedenfor", "letters below"}},
		{"escalation of two letters", escalationMessage([]store.EscalationCase{failed(bergen)}, []store.EscalationCase{failed(bergen)}, "").body,
			[]string{"regelsettet for brevene nedenfor", "the policy of the letters below"}, nil},
		{"digest of one Norwegian follow-up", digestMessage(overdue(bergen, 1), now, "").body, []string{
			"En oppfølging der fristen er passert uten registrert beslutning, under enheten som sendte brevet.",
			"An overdue follow-up without a recorded decision, under its sending unit.",
		}, []string{"Oppfølginger der", "Overdue follow-ups", "per sending unit"}},
		{"digest of one Danish follow-up", digestMessage(overdue(kobenhavn, 1), now, "").body, []string{
			"En opfølgning, hvor fristen er overskredet uden en registreret beslutning, under den enhed, der sendte brevet.",
		}, []string{"Opfølgninger, hvor", "Overdue follow-ups"}},
		{"digest of two follow-ups", digestMessage(overdue(bergen, 2), now, "").body, []string{
			"Oppfølginger der fristen er passert uten registrert beslutning, per enhet.",
			"Overdue follow-ups without a recorded decision, per sending unit.",
		}, nil},
	} {
		logtest.Says(t, tc.name, tc.body, tc.want, tc.never)
	}
}

// The escalation notice's sections about one letter are headed in the
// singular: "Confidential letter that did not arrive:", "Print waiting
// for approval:".
func TestEscalationSectionOfOneLetterIsSingular(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	c := func(kind, org string) store.EscalationCase {
		return store.EscalationCase{Case: kind, BatchID: 3, Policy: "p", ShipmentID: "s1", Channel: "svarut", ChannelID: "c1",
			State: model.StateRejected, RecipientKind: model.RecipientOrg, RecipientID: "974760673", SenderOrg: org, SenderUnit: "NAV", Since: now}
	}
	for _, tc := range []struct {
		name        string
		cs, counted []store.EscalationCase
		want, never []string
	}{
		{"one failed Norwegian letter", []store.EscalationCase{c(store.CaseFailed, bergen)}, nil,
			[]string{"\nTaushetsbelagt brev som ikke kom fram:\n", "\nConfidential letter that did not arrive:\n"}, []string{"letters that"}},
		{"one failed Danish letter, counted", nil, []store.EscalationCase{c(store.CaseFailed, kobenhavn)},
			[]string{"\nFortroligt brev, der ikke kom frem:\n"}, []string{"Fortrolige breve"}},
		{"one held print", []store.EscalationCase{c(store.CaseHeld, bergen)}, nil,
			[]string{"\nPrint waiting for approval:\n"}, []string{"Prints waiting"}},
		{"two failed letters", []store.EscalationCase{c(store.CaseFailed, kobenhavn)}, []store.EscalationCase{c(store.CaseFailed, kobenhavn)},
			[]string{"\nFortrolige breve, der ikke kom frem:\n", "\nConfidential letters that did not arrive:\n"}, nil},
		{"two held prints", []store.EscalationCase{c(store.CaseHeld, bergen), c(store.CaseHeld, bergen)}, nil,
			[]string{"\nPrints waiting for approval:\n"}, nil},
	} {
		body := escalationMessage(tc.cs, tc.counted, "").body
		logtest.Says(t, tc.name, body, tc.want, tc.never)
	}
}
