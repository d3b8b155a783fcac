package web

import (
	"errors"
	"net/http"
	"net/url"
	"postvakt/internal/model"
	"strings"

	"postvakt/internal/i18n"
)

// A refused form is shown again as filled in, the problem in it in the
// page's language, naming the field by its label, announced and tied to the
// field (WCAG 3.3.1, 3.3.3, 3.1.2): the list views' and the incident
// report's filters (filterProblem), the admin pages' user and token forms
// (accessProblem), a unit's addresses (unitProblem) and the audit log's
// filter (badAuditFilter).

// fieldProblem is a form's refused value: what is wrong, in the reader's
// language and naming the field by its label (Problem), and the name of the
// field it is about (ProblemField; "" or a hidden one: none to mark). The
// form's template shows the problem announced (role=alert) and marks the
// field (aria-invalid, aria-describedby).
type fieldProblem struct {
	Problem, ProblemField string
}

// listLabels are the catalogue keys of the labels of the list views' filter
// form (filters.html), by query parameter.
var listLabels = map[string]string{"min_age": "filter.min_age", "stage": "col.stage", "state": "col.state",
	"class": "col.class", "channel": "col.channel", "unit": "col.unit", "from": "filter.from", "to": "filter.to",
	"recipient": "col.recipient"}

// filterProblem says what is wrong with a refused filter value by the label
// its field has on the form (labels: query parameter → catalogue key; the
// filter's own messages name the query parameters, as the API has them).
// ok is false for a problem no field of the form makes (an unknown list, a
// person id in the URL, a bad rid, limit or cursor): those stay an error
// page.
func filterProblem(l *i18n.Localizer, q url.Values, fe filterError, labels map[string]string) (p fieldProblem, ok bool) {
	label := func(field string) string { return l.T(labels[field]) }
	switch fe.key {
	case "err.filter.when":
		p.ProblemField = "from"
		if _, ok := parseWhen(q.Get("from"), false); ok {
			p.ProblemField = "to"
		}
		p.Problem = l.T(fe.key, "Name", label(p.ProblemField), "Value", model.Quote(q.Get(p.ProblemField)))
	case "err.filter.date":
		p.ProblemField, _ = fe.args[1].(string) // "Name", the parameter
		// A hidden one (step_from, step_to) has no field to mark.
		if _, shown := labels[p.ProblemField]; !shown {
			return p, false
		}
		p.Problem = l.T("filter.err_date", "Field", label(p.ProblemField), "Value", model.QuoteTime(q.Get(p.ProblemField)))
	case "err.filter.period":
		p.ProblemField = "from"
		if q.Get("from") != "" {
			p.ProblemField = "to"
		}
		p.Problem = l.T("incident.err_period", "Field", label(p.ProblemField))
	case "err.filter.from_to":
		p.ProblemField, p.Problem = "from", l.T("incident.err_order", "From", label("from"), "To", label("to"))
	case "err.filter.org", "err.filter.recipient_org":
		p.ProblemField = "org"
		if fe.key == "err.filter.recipient_org" {
			p.ProblemField = "recipient"
		}
		p.Problem = l.T("incident.err_org", "Field", label(p.ProblemField))
	case "err.filter.unknown_channel", "err.filter.unknown_state", "err.filter.unknown_stage":
		p.ProblemField = strings.TrimPrefix(fe.key, "err.filter.unknown_")
		p.Problem = l.T("filter.err_choice", "Field", label(p.ProblemField), "Value", fe.args[1]) // the value refused, quoted
	case "err.filter.min_age":
		p.ProblemField, p.Problem = "min_age", l.T("filter.err_min_age", "Field", label("min_age"))
	case "err.audit_person":
		p.ProblemField, p.Problem = "person", l.T("users.err_field", "Field", label("person"), "Problem", l.T(fe.key))
	default:
		return p, false
	}
	return p, true
}

// badListFilter answers a list view's refused filter: the page (view, its
// title key, data made by page with the problem in it) with its filter form
// as filled in and the problem in it (filterProblem), 400; other errors as
// badFilter. It reports whether there was one.
func (s *Server) badListFilter(w http.ResponseWriter, r *http.Request, err error, view, title string, page func(filterOptions, fieldProblem) any) bool {
	var fe filterError
	if !errors.As(err, &fe) {
		return s.badFilter(w, r, err)
	}
	prob, ok := filterProblem(s.loc(r), r.URL.Query(), fe, listLabels)
	if !ok {
		return s.badFilter(w, r, err)
	}
	opts, err := s.listOptions(r.Context(), principal(r.Context()))
	if err != nil {
		s.internalError(w, r, "list filter form's choices", err)
		return true
	}
	s.render(w, r, http.StatusBadRequest, view, title, page(opts, prob))
	return true
}
