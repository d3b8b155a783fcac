package web

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// auditDetailForms are the details postvakt writes into the audit log as
// English sentences or codes, by the actions that write them: the audit
// page says them again in the reader's language from their parts
// (AuditDetail). The log, its exports and the API keep them as recorded.
var auditDetailForms = []struct {
	actions []store.AuditAction
	re      *regexp.Regexp
	say     func(l *i18n.Localizer, m []string) string
}{
	// web/import.go
	{[]store.AuditAction{store.ActLettersImport}, regexp.MustCompile(`^refused: (\d+) problem\(s\) in (\d+) rows; nothing imported$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.import_refused", "Count", count(m[1]), "Rows", num(m[2]))
		}},
	{[]store.AuditAction{store.ActLettersImport}, regexp.MustCompile(`^(\d+) rows; whether they were stored is unknown$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.import_unknown", "Count", count(m[1]))
		}},
	{[]store.AuditAction{store.ActLettersImport}, regexp.MustCompile(`^(\d+) rows: (\d+) new, (\d+) already registered$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.import_done", "Count", count(m[1]), "New", num(m[2]), "Known", num(m[3]))
		}},
	// web/units.go
	{[]store.AuditAction{store.ActUnitsImport}, regexp.MustCompile(`^(\d+) units, (\d+) new$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.units_import", "Count", count(m[1]), "New", num(m[2]))
		}},
	// postvakt contacts import (cmd/postvakt/contacts.go).
	{[]store.AuditAction{store.ActContactsImport}, regexp.MustCompile(`^(\d+) addresses, (\d+) organisations$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.contacts_import", "Count", count(m[1]), "Orgs", num(m[2]))
		}},
	// web/pages.go and the command line's print release/reject (", by …").
	// store.BatchDecision.AuditDetail: the released or rejected, and the
	// skipped.
	{[]store.AuditAction{store.ActPrintRelease, store.ActPrintReject}, regexp.MustCompile(`^(\d+) shipments(?:, (\d+) skipped)?(?:, by (.+))?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("audit.detail.print_batch", "Count", count(m[1]))
			if m[2] != "" {
				s += ", " + l.T("audit.detail.print_batch_skipped", "Count", count(m[2]))
			}
			if m[3] != "" {
				s += ", " + l.T("audit.detail.by", "By", m[3])
			}
			return s
		}},
	{[]store.AuditAction{store.ActPrintReleaseRefused, store.ActPrintRejectRefused}, regexp.MustCompile(`^the batch changed since it was shown$`),
		fixed("audit.detail.batch_changed")},
	// web/incidents.go
	{[]store.AuditAction{store.ActFollowUpIncident}, regexp.MustCompile(`^(\d+) letters, decision "(\S+)"$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.incident_followup", "Count", count(m[1]), "Decision", code(l, "decision.", m[2]))
		}},
	// web/evidence.go, web/settle.go: a code.
	{[]store.AuditAction{store.ActFollowUp}, regexp.MustCompile(`^(\S+)$`),
		func(l *i18n.Localizer, m []string) string { return code(l, "decision.", m[1]) }},
	{[]store.AuditAction{store.ActManualResolve}, regexp.MustCompile(`^(\S+)$`),
		func(l *i18n.Localizer, m []string) string { return code(l, "resolution.", m[1]) }},
	// web/search.go
	{[]store.AuditAction{store.ActSearch}, regexp.MustCompile(`^not found$`), fixed("audit.detail.not_found")},
	// web/admin.go
	{[]store.AuditAction{store.ActUserPassword}, regexp.MustCompile(`^sessions ended$`), fixed("audit.detail.sessions_ended")},
	// web/settle.go: the organisation a settled reminder went to.
	{[]store.AuditAction{store.ActReminderRelease, store.ActReminderConfirm}, regexp.MustCompile(`^organisation (\d+)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("audit.obj.organisation") + " " + m[1] }},
	// store.DescribeAccess (web/admin.go, the command line's user add and
	// token create): a user's or token's access; a change, "before → after".
	{[]store.AuditAction{store.ActUserCreate, store.ActUserAdd, store.ActTokenCreate, store.ActUserAccess}, regexp.MustCompile(`^(.+?)(?: → (.+))?$`),
		func(l *i18n.Localizer, m []string) string {
			before, ok := sayAccess(l, m[1])
			switch {
			case !ok:
				return m[0]
			case m[2] == "":
				return before
			}
			after, ok := sayAccess(l, m[2])
			if !ok {
				return m[0]
			}
			return before + " → " + after
		}},
	// web/admin.go: the language chosen in Settings.
	{[]store.AuditAction{store.ActSettings}, regexp.MustCompile(`^lang=(\S+)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.language", "Lang", code(l, "lang.", m[1]))
		}},
	// web/units.go: a unit's addresses.
	{[]store.AuditAction{store.ActUnitChange}, regexp.MustCompile(`^contact=(\S*) manager=(\S*)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.unit_addresses", "Contact", orNone(l, m[1]), "Manager", orNone(l, m[2]))
		}},
	// Refusals (web/auth.go, server.go, evidence.go, alerts.go,
	// incidents.go, settle.go, units.go): why postvakt refused.
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^role (\S+) lacks (\S+)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.role_lacks", "Role", code(l, "role.", m[1]), "Perm", m[2])
		}},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^role (\S+) may not do this$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.role_may_not", "Role", code(l, "role.", m[1]))
		}},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^(shipment|alert|print batch|unit) (\S+) (?:belongs to|concerns) another organisation( or unit)?$`),
		func(l *i18n.Localizer, m []string) string {
			key := "audit.detail.other_org"
			if m[3] != "" {
				key += "_unit"
			}
			return l.T(key, "Object", l.T("audit.obj."+strings.ReplaceAll(m[1], " ", "_"))+" "+m[2])
		}},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^reminder (\d+) lists only other organisations' shipments$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.reminder_only_others", "ID", m[1])
		}},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^reminder lists other organisations' shipments$`), fixed("audit.detail.reminder_others")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^print batch holds other organisations' shipments$`), fixed("audit.detail.batch_others")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^incident report outside the principal's scope$`), fixed("audit.detail.incident_scope")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^scoped to one sender organisation$`), fixed("audit.detail.scoped_org")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^no reminder of the caller waits for this organisation$`), fixed("audit.detail.contact_scope")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^registration of (\d+) item\(s\) outside the token's scope$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.registration_scope", "Count", count(m[1]))
		}},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^missing or wrong CSRF token$`), fixed("audit.detail.csrf")},
	{[]store.AuditAction{store.ActForbidden}, regexp.MustCompile(`^a bearer token sent a UI form$`), fixed("audit.detail.bearer_form")},
	// web/session_extend.go: the new end in UTC, said on the pages' clock.
	{[]store.AuditAction{store.ActSessionExtend}, regexp.MustCompile(`^until (\S+)$`),
		func(l *i18n.Localizer, m []string) string {
			t, err := time.Parse(time.RFC3339, m[1])
			if err != nil {
				return "until " + m[1]
			}
			return l.T("audit.detail.session_until", "At", t.In(zone).Format("2006-01-02 15:04"))
		}},
	// web/session.go: a lockout, by the name or the client's address.
	{[]store.AuditAction{store.ActLoginThrottled}, regexp.MustCompile(`^by (name|address)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("audit.detail.throttled_" + m[1]) }},
	// store/retention.go (purgeLettersDetail), store/audit.go
	{[]store.AuditAction{store.ActRetentionPurgeLetters}, regexp.MustCompile(`^(\d+) letters, (\d+) events, (\d+) persons, (\d+) follow-up notes, (\d+) follow-ups closed, (\d+) print requests, (\d+) manual details, (\d+) notifications; letters kept: (\d+) print order not placed yet, (\d+) changed since listed, (\d+) being polled$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.purge_letters_kept", "Count", count(m[1]), "Events", num(m[2]), "Persons", num(m[3]), "Notes", num(m[4]),
				"Closed", num(m[5]), "Prints", num(m[6]), "Manual", num(m[7]), "Notifications", num(m[8]),
				"Kept", num(m[9]), "Changed", num(m[10]), "Polling", num(m[11]))
		}},
	// The form before the follow-ups closed and every reason kept were counted.
	{[]store.AuditAction{store.ActRetentionPurgeLetters}, regexp.MustCompile(`^(\d+) letters, (\d+) events, (\d+) persons, (\d+) follow-up notes, (\d+) print requests, (\d+) manual details, (\d+) notifications; (\d+) letters kept: print order not placed yet$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.purge_letters", "Count", count(m[1]), "Events", num(m[2]), "Persons", num(m[3]), "Notes", num(m[4]),
				"Prints", num(m[5]), "Manual", num(m[6]), "Notifications", num(m[7]), "Kept", num(m[8]))
		}},
	// upkeep.Purge (auditData)
	{[]store.AuditAction{store.ActRetentionPurgeData}, regexp.MustCompile(`^(\d+) poll errors and register answers, (\d+) reminder addresses, (\d+) resolved alerts, (\d+) notifications' recipients, (\d+) disabled users' e-mail addresses$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.purge_data", "Caches", num(m[1]), "Contacts", num(m[2]), "Alerts", num(m[3]), "Notices", num(m[4]), "Users", num(m[5]))
		}},
	{[]store.AuditAction{store.ActRetentionPurgePersons}, regexp.MustCompile(`^(\d+) persons no letter points to$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.purge_persons", "Count", count(m[1]))
		}},
	{[]store.AuditAction{store.ActRetentionPurge}, regexp.MustCompile(`^(\d+) events, (\d+) audit entries$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("audit.detail.purge_audit", "Count", count(m[1]), "Audit", num(m[2]))
		}},
}

// accessDetail is store.DescribeAccess's form: role=unit org=964338531
// unit=NAV Bergen email=kari@kommune.no (a unit's name may hold spaces).
var accessDetail = regexp.MustCompile(`^role=(\S+)(?: org=(\S+))?(?: unit=(.+?))?(?: email=(\S+))?$`)

// sayAccess is an access as store.DescribeAccess wrote it, in l's
// language, the role by its name: "rolle: avsenderenhet, virksomhet:
// 964338531, enhet: NAV Bergen"; d as recorded, and false, when it is of
// another form.
func sayAccess(l *i18n.Localizer, d string) (string, bool) {
	m := accessDetail.FindStringSubmatch(d)
	if m == nil {
		return d, false
	}
	parts := []string{l.T("audit.detail.access_role", "Role", code(l, "role.", m[1]))}
	for i, key := range []string{"audit.detail.access_org", "audit.detail.access_unit", "audit.detail.access_email"} {
		if v := m[i+2]; v != "" {
			parts = append(parts, l.T(key, "Value", v))
		}
	}
	return strings.Join(parts, ", "), true
}

// orNone is an address of a detail, or that there is none.
func orNone(l *i18n.Localizer, v string) string {
	if v == "" {
		return l.T("audit.detail.no_address")
	}
	return v
}

// num is a number in a text, grouped as the reader's language groups
// digits (i18n.Number).
func num(s string) i18n.Number { return i18n.Number(count(s)) }

// AuditDetail is an audit entry's detail for people: on a Norwegian or
// Danish page one of postvakt's own sentences or codes (auditDetailForms)
// said in the page's language; an English page, and any other detail (an
// address, a filter, an export's format), show it as recorded.
func (v view) AuditDetail(action store.AuditAction, detail string) string {
	if v.L.Lang() == "en" || detail == "" {
		return detail
	}
	for _, f := range auditDetailForms {
		if !slices.Contains(f.actions, action) {
			continue
		}
		if m := f.re.FindStringSubmatch(detail); m != nil {
			return f.say(v.L, m)
		}
	}
	return detail
}
