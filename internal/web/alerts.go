package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/health"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// HealthStore serves the health alerts, the incident report and the
// operations page.
type HealthStore interface {
	FiringAlerts(ctx context.Context) ([]store.Alert, error)
	AlertsOf(ctx context.Context, senderOrg string, resolvedSince time.Time, limit int) ([]store.Alert, error)
	AlertByID(ctx context.Context, id int64) (*store.Alert, error)
	CountIncident(ctx context.Context, f store.IncidentFilter) (int, error)
	IncidentSummary(ctx context.Context, f store.IncidentFilter) ([]store.UnitCount, error)
	IncidentPage(ctx context.Context, f store.IncidentFilter, limit int) (*store.IncidentPage, error)
	EachIncidentLetter(ctx context.Context, f store.IncidentFilter, fn func(*store.IncidentRow) error) error
	RecordIncidentFollowUps(ctx context.Context, d store.IncidentFollowUps) (int, error)
	ChannelActivities(ctx context.Context, since, until time.Time) ([]store.ChannelActivity, error)
	PollLags(ctx context.Context, now time.Time) ([]store.PollLag, error)
	LastEscalationRecord(ctx context.Context) (store.EscalationRecord, error)
	AlertNotices(ctx context.Context, limit int) ([]store.AlertNoticeRow, error)
	StuckCounts(ctx context.Context, scope store.Scope) (store.StuckCounts, error)
	SchemaCurrent(ctx context.Context) error
}

// alertJSON is an alert as GET /api/v1/alerts gives it.
type alertJSON struct {
	ID         int64        `json:"id"`
	Rule       string       `json:"rule"`
	Status     string       `json:"status"`
	Severity   string       `json:"severity"`
	Labels     store.Labels `json:"labels"`
	Affected   int          `json:"affected"`
	Inhibited  bool         `json:"inhibited"`
	Summary    string       `json:"summary"`
	StartedAt  time.Time    `json:"started_at"`
	ResolvedAt *time.Time   `json:"resolved_at"`
	// AffectedAsOf is when Affected and Summary were counted (UTC;
	// health.AffectedAsOf): before the last evaluation for an alert kept
	// firing without its condition; null when not known (a resolved alert
	// of before migration 00042).
	AffectedAsOf *time.Time `json:"affected_as_of"`
}

// alertsSince is how far back resolved alerts are listed.
const alertsSince = 7 * 24 * time.Hour

// apiAlerts is GET /api/v1/alerts: the firing alerts and those resolved
// in the last week (?resolved_days=N), newest first. Alerts carry no
// personal data: rule, labels (channel, sending unit, class, receiving
// organisation number), counts and times, among them when the count was
// made (affected_as_of). Another parameter, or resolved_days given twice,
// is a 400 naming it, as the lists'.
func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if refuseUnknownParams(w, q, []string{"resolved_days"}) {
		return
	}
	if err := repeatedParam(q); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	since := alertsSince
	if v := q.Get("resolved_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3650 {
			writeError(w, http.StatusBadRequest, "resolved_days must be a number of days from 0 to 3650")
			return
		}
		since = time.Duration(n) * 24 * time.Hour
	}
	as, err := s.store.AlertsOf(r.Context(), principal(r.Context()).Scope().SenderOrg, s.now().Add(-since), 10000)
	if err != nil {
		s.internalError(w, r, "list alerts", err)
		return
	}
	out := make([]alertJSON, 0, len(as))
	for _, a := range visibleAlerts(principal(r.Context()), as) {
		j := alertJSON{ID: a.ID, Rule: a.Rule, Status: a.Status, Severity: a.Severity, Labels: a.Labels,
			Affected: a.Affected, Inhibited: a.Inhibited, Summary: a.Summary, StartedAt: a.StartedAt, ResolvedAt: a.ResolvedAt}
		if at, ok := health.AffectedAsOf(a); ok {
			at = at.UTC()
			j.AffectedAsOf = &at
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

type alertsData struct {
	Alerts []store.Alert
}

// alertsPage lists the firing alerts and those resolved in the last week.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	as, err := s.store.AlertsOf(r.Context(), principal(r.Context()).Scope().SenderOrg, s.now().Add(-alertsSince), 1000)
	if err != nil {
		s.internalError(w, r, "list alerts", err)
		return
	}
	s.render(w, r, http.StatusOK, "alerts", "title.alerts", alertsData{Alerts: visibleAlerts(principal(r.Context()), as)})
}

// alertPage is one alert: what fires, since when, and, for those who may
// see letters and when it is about letters, its incident report (every letter it is about, per unit)
// with the form to record follow-ups for all of them.
func (s *Server) alertPage(w http.ResponseWriter, r *http.Request) { s.showAlert(w, r, nil) }

// showAlert is the alert's page; res, its follow-up form carried through a
// login, comes back filled in.
func (s *Server) showAlert(w http.ResponseWriter, r *http.Request, res *incidentResume) {
	a, _, ok := byPathID(s, w, r, "err.no_alert", "get alert", s.store.AlertByID)
	if !ok {
		return
	}
	p := principal(r.Context())
	if !alertVisible(p, a.Org(), a.Labels["unit"]) {
		// Answered as none, so as not to tell it exists; the attempt is
		// audited as a refusal, as a letter's is.
		s.forbidden(r.Context(), r, "alert "+strconv.FormatInt(a.ID, 10)+" concerns another organisation or unit")
		s.renderError(w, r, http.StatusNotFound, "err.no_alert")
		return
	}
	title := "title.alert"
	d := &incidentData{AlertInfo: a}
	// An alert about no letters (a channel's certificate) has no report.
	if f, ok := scoped(a.Selector, p); ok && !a.Selector.NoLetters && p.Can(auth.ViewShipments) {
		var err error
		if d, err = s.incident(w, r, f, "alert "+strconv.FormatInt(a.ID, 10)); err != nil {
			return
		}
		d.AlertInfo, d.Query = a, incidentQuery(f, a.ID)
		s.resumed(r, d, res)
	}
	s.render(w, r, http.StatusOK, "incident", title, d)
}

// scoped narrows f to what the principal may see; false when the filter
// is about letters entirely outside the principal's organisation or unit.
func scoped(f store.IncidentFilter, p *auth.Principal) (store.IncidentFilter, bool) {
	sc := p.Scope()
	if sc.SenderOrg != "" {
		if f.SenderOrg != "" && f.SenderOrg != sc.SenderOrg {
			return f, false
		}
		f.SenderOrg = sc.SenderOrg
	}
	if sc.SenderUnit != "" {
		if (f.SenderUnit != "" && f.SenderUnit != sc.SenderUnit) || (f.Unit != "" && f.Unit != sc.SenderUnit) {
			return f, false
		}
		f.SenderUnit = sc.SenderUnit
	}
	return f, true
}

// alertVisible is the one rule for who sees an alert (its labels name a
// sending unit, its summary counts that unit's letters): a principal scoped
// to a sender organisation sees only that organisation's alerts and those
// about no organisation in particular; one scoped to a unit, not another
// unit's.
func alertVisible(p *auth.Principal, senderOrg, unit string) bool {
	if p == nil {
		return false
	}
	sc := p.Scope()
	switch {
	case sc.SenderOrg != "" && senderOrg != "" && senderOrg != sc.SenderOrg:
		return false
	case sc.SenderUnit != "" && unit != "" && unit != sc.SenderUnit:
		return false
	}
	return true
}

// visibleAlerts keeps the alerts p may see (alertVisible).
func visibleAlerts(p *auth.Principal, as []store.Alert) []store.Alert {
	out := make([]store.Alert, 0, len(as))
	for _, a := range as {
		if alertVisible(p, a.Org(), a.Labels["unit"]) {
			out = append(out, a)
		}
	}
	return out
}

// reportStates are the states shown as the incident summary's columns.
var reportStates = report.StateNames()

// firingSource lists the firing health alerts (*store.Store).
type firingSource interface {
	FiringAlerts(ctx context.Context) ([]store.Alert, error)
}

// StoreAlerts is the overview's AlertSource over the health alerts the
// evaluation keeps in the store: the firing ones that are not muted.
func StoreAlerts(st firingSource) AlertSource { return storeAlerts{st} }

type storeAlerts struct{ st firingSource }

func (a storeAlerts) FiringAlerts(ctx context.Context) ([]Alert, error) {
	as, err := a.st.FiringAlerts(ctx)
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, x := range as {
		if !x.Inhibited {
			out = append(out, Alert{ID: x.ID, Rule: x.Rule, Channel: x.Labels["channel"], Since: x.StartedAt, Detail: x.Summary, Why: x.Why,
				SenderOrg: x.Org(), Unit: x.Labels["unit"]})
		}
	}
	return out, nil
}
