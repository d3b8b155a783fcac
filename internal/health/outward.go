package health

import (
	"maps"
	"strconv"
	"strings"

	"postvakt/internal/i18n"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// An alert about a sending unit keeps the unit's name in its stored labels
// (label unit: its fingerprint, the inhibit rules' equal: [unit], the
// pages' access checks and the unit_manager route read it, so an upgrade
// neither resolves nor fires anew an alert that fires). Whatever leaves
// postvakt — its e-mail, its webhook message, the metric
// postvakt_health_alert_firing, a log line, the health command's output —
// names the unit by its id instead (label unit_id, sender_units.id): a
// unit's name says what its letters are about (Barnevernstjenesten). The
// functions here are that one rendering; postvakt's own pages show the
// name to those who may see it.

// OutwardLabels are a's labels as they leave postvakt: the label unit (the
// unit's name) replaced by unit_id (its id, Alert.UnitID); a unit whose id
// is not known (renamed since) is left out, never named.
func OutwardLabels(a store.Alert) store.Labels {
	if _, ok := a.Labels["unit"]; !ok {
		return a.Labels
	}
	out := maps.Clone(a.Labels)
	delete(out, "unit")
	if a.UnitID != 0 {
		out[policy.LabelUnitID] = strconv.FormatInt(a.UnitID, 10)
	}
	return out
}

// outwardFingerprint is a's fingerprint as it leaves postvakt (the
// webhook's): that of its outward labels, as Alertmanager's is of its
// labels; the stored one hashes the unit's name, which a receiver could
// confirm a guess against. One of a unit whose id is not known hashes the
// alert's id in as well, lest two such alerts share it.
func outwardFingerprint(a store.Alert) string {
	l := OutwardLabels(a)
	if _, ok := a.Labels["unit"]; ok && a.UnitID == 0 {
		l = maps.Clone(l)
		l["alert"] = strconv.FormatInt(a.ID, 10)
	}
	return store.Fingerprint(a.Rule, l)
}

// unitText names a's unit by its id in l's language ("unit 17", "enhet
// 17"; "a unit" when its id is not known).
func unitText(l *i18n.Localizer, a store.Alert) string {
	if a.UnitID == 0 {
		return l.T("mail.alert.unit_unknown")
	}
	return l.T("mail.alert.unit", "ID", strconv.FormatInt(a.UnitID, 10))
}

// summaryByID is summary with the unit's name replaced by id where the
// rules wrote it ("letters of Barnevernstjenesten on"; the rules wrote it
// nowhere else), so that a name that is also a word of the summary
// ("letters", "on") leaves the rest of it as it was. A summary without
// that phrase has the name replaced wherever it stands: no name leaves
// postvakt. Only for an alert fired before its reasons were kept (or one
// whose reasons this version cannot say): any other's summary is said
// again from its reasons (outward).
func summaryByID(summary, name, id string) string {
	if at := " of " + name + " "; strings.Contains(summary, at) {
		return strings.ReplaceAll(summary, at, " of "+id+" ")
	}
	return strings.ReplaceAll(summary, name, id)
}

// outward is a as its e-mail in l's language and its webhook message (l
// English) show it: OutwardLabels, and the reasons' Unit argument naming
// the unit by its id (unitText). The summary (English, plain digits) is
// said again from those reasons, as the rules say it from theirs
// (summaryOf), so it names the unit by its id with no text replaced; an
// alert without reasons (fired before they were kept) has the name
// replaced in its summary (summaryByID).
func outward(l *i18n.Localizer, a store.Alert) store.Alert {
	name := a.Labels["unit"]
	a.Labels = OutwardLabels(a)
	if name == "" {
		return a
	}
	en := i18n.English()
	swapped := summaryByID(a.Summary, name, unitText(en, a))
	if len(a.Why) == 0 {
		a.Summary = swapped
		return a
	}
	a.Summary = Why(en, store.Alert{Summary: swapped, Why: unitByID(a.Why, unitText(en, a))})
	a.Why = unitByID(a.Why, unitText(l, a))
	return a
}

// unitByID is why with each reason's Unit argument set to unit.
func unitByID(why []store.AlertReason, unit string) []store.AlertReason {
	out := make([]store.AlertReason, len(why))
	for i, r := range why {
		if _, ok := r.Args["Unit"]; ok {
			r.Args = maps.Clone(r.Args)
			r.Args["Unit"] = unit
		}
		out[i] = r
	}
	return out
}
