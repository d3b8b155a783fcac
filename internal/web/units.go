package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/i18n"
	"postvakt/internal/notice"
	"postvakt/internal/store"
)

// UnitStore keeps the sending units' addresses: where follow-up mails and
// unit_manager escalations go.
type UnitStore interface {
	Units(ctx context.Context, scope store.Scope) ([]store.Unit, error)
	SetUnitAddressesAudited(ctx context.Context, id int64, contact, manager string, scope store.Scope, audit func(org string) store.AuditEntry) (string, error)
	SaveUnitsAudited(ctx context.Context, us []store.Unit, audit func(created int) store.AuditEntry) (int, error)
	Classes(ctx context.Context, scope store.Scope) ([]string, error)
}

type unitsData struct {
	Units    []store.Unit
	Problems []string // of the last import
	Done     string   // what the last action did
	// UnitsLike: the units the last import made written otherwise than a
	// stored unit of their organisation (store.UnitsWrittenOtherwise).
	UnitsLike []string
	// A refused change: the unit's form again as it was filled in, the
	// problem in it, tied to its field (contact_email or manager_email).
	Failed int64
	Form   store.Unit
	fieldProblem
}

// unitsPage lists the sending units in scope with their contact and
// manager addresses, a form per unit and a CSV import (admin).
func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) {
	s.renderUnits(w, r, http.StatusOK, unitsData{Done: r.URL.Query().Get("done")})
}

func (s *Server) renderUnits(w http.ResponseWriter, r *http.Request, status int, d unitsData) {
	p := principal(r.Context())
	us, err := s.store.Units(r.Context(), p.Scope())
	if err != nil {
		s.internalError(w, r, "list sending units", err)
		return
	}
	d.Units = us
	if d.Problem != "" && !slices.ContainsFunc(us, func(u store.Unit) bool { return u.ID == d.Failed }) {
		d.Problems = append(d.Problems, d.Problem) // no form of its own to show it in
	}
	s.audit(r.Context(), store.ActViewList, "units", "")
	s.render(w, r, status, "units", "title.units", d)
}

// setUnit changes one unit's addresses.
func (s *Server) setUnit(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "err.no_unit")
		return
	}
	u := store.Unit{ContactEmail: strings.TrimSpace(r.PostFormValue("contact_email")),
		ManagerEmail: strings.TrimSpace(r.PostFormValue("manager_email"))}
	if col, _ := notice.CheckAddresses(u.ContactEmail, u.ManagerEmail); col != "" {
		s.renderUnits(w, r, http.StatusBadRequest, unitsData{Failed: id, Form: u, fieldProblem: unitProblem(s.loc(r), u, col)})
		return
	}
	// Changed and audited in one transaction: when the entry cannot be
	// written the unit's mails go where they went.
	_, err = s.store.SetUnitAddressesAudited(r.Context(), id, u.ContactEmail, u.ManagerEmail, p.Scope(), func(org string) store.AuditEntry {
		aboutOrg(r.Context(), org)
		return s.auditEntry(r.Context(), store.ActUnitChange, "unit "+strconv.FormatInt(id, 10), "contact="+u.ContactEmail+" manager="+u.ManagerEmail)
	})
	if errors.Is(err, store.ErrNotFound) {
		s.noUnit(w, r, id)
		return
	}
	if err != nil {
		s.internalError(w, r, "set unit addresses", err)
		return
	}
	http.Redirect(w, r, "/admin/units?done=saved", http.StatusSeeOther)
}

// noUnit answers a unit the principal does not see (notFound); one of
// another organisation or unit is audited.
func (s *Server) noUnit(w http.ResponseWriter, r *http.Request, id int64) {
	s.notFound(w, r, "err.no_unit_scope", "list sending units", "unit "+strconv.FormatInt(id, 10)+" belongs to another organisation or unit",
		func(ctx context.Context) (bool, error) {
			all, err := s.store.Units(ctx, store.Scope{})
			return slices.ContainsFunc(all, func(u store.Unit) bool { return u.ID == id }), err
		})
}

// importUnits takes a units CSV (the same file as `postvakt units
// import`), all or nothing; a scoped admin may only name their own
// organisation's units.
func (s *Server) importUnits(w http.ResponseWriter, r *http.Request) {
	p, l := principal(r.Context()), s.loc(r)
	f, _, err := r.FormFile("file")
	if err != nil {
		s.renderUnits(w, r, http.StatusBadRequest, unitsData{Problems: []string{
			l.T("units.err_file", "Header", strings.Join(notice.UnitColumns, ","))}})
		return
	}
	defer f.Close()
	units, err := notice.ParseUnits(f)
	var inv *notice.InvalidUnitsError
	if errors.As(err, &inv) {
		var ps []string
		for _, pr := range inv.Problems {
			ps = append(ps, lineProblem(l, pr, "units.problem", "units.problem_line"))
		}
		s.renderUnits(w, r, http.StatusBadRequest, unitsData{Problems: append(ps, l.T("units.err_nothing"))})
		return
	}
	if err != nil {
		s.internalError(w, r, "read units CSV", err)
		return
	}
	for _, u := range units {
		if p.SenderOrg != "" && u.SenderOrg != p.SenderOrg {
			s.renderUnits(w, r, http.StatusForbidden, unitsData{Problems: []string{
				l.T("units.err_scope", "Unit", strconv.Quote(u.Name), "Org", u.SenderOrg)}})
			return
		}
	}
	orgs := map[string]bool{}
	for _, u := range units {
		orgs[u.SenderOrg] = true
	}
	if len(orgs) == 1 {
		aboutOrg(r.Context(), units[0].SenderOrg)
	}
	// Told after the import, as `postvakt units import` warns: "nav" for
	// "NAV" makes a unit of no letter, and NAV's letters keep no address.
	var like []string
	if known, err := s.store.Units(r.Context(), p.Scope()); err != nil {
		s.log.Warn("units import: cannot check the units against those stored", "error", err)
	} else {
		for _, u := range store.UnitsWrittenOtherwise(units, known) {
			like = append(like, l.T("units.unit_like", "Org", u[0].SenderOrg, "Unit", u[0].Name, "Like", u[1].Name))
		}
	}
	// The audit entry in the units' transaction: no change without it.
	if _, err := s.store.SaveUnitsAudited(r.Context(), units, func(created int) store.AuditEntry {
		return s.auditEntry(r.Context(), store.ActUnitsImport, "units", fmt.Sprintf("%d units, %d new", len(units), created))
	}); err != nil {
		s.internalError(w, r, "save units", err)
		return
	}
	if len(like) > 0 {
		s.renderUnits(w, r, http.StatusOK, unitsData{Done: "imported", UnitsLike: like})
		return
	}
	http.Redirect(w, r, "/admin/units?done=imported", http.StatusSeeOther)
}

// unitProblem says, in the reader's language and naming the field by its
// label, what notice.CheckAddresses found wrong in the field col.
func unitProblem(l *i18n.Localizer, u store.Unit, col string) fieldProblem {
	if u.ContactEmail == "" && u.ManagerEmail == "" {
		return fieldProblem{Problem: l.T("units.err_no_address"), ProblemField: col}
	}
	label, value := l.T("units.contact"), u.ContactEmail
	if col == "manager_email" {
		label, value = l.T("units.manager"), u.ManagerEmail
	}
	return fieldProblem{Problem: l.T("units.err_email", "Field", label, "Value", value), ProblemField: col}
}
