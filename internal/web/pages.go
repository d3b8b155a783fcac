package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

type followUpsData struct {
	All  bool
	List []store.FollowUp
	Next string // the next page's cursor, "" on the last
}

// followUpsPageSize is how many follow-ups a page of /followups shows.
const followUpsPageSize = 500

// followUpsPage lists the follow-ups of the principal's scope by deadline;
// overdue ones stand out.
func (s *Server) followUpsPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	all, err := followUpsAll(r.URL.Query())
	if s.badFilter(w, r, err) {
		return
	}
	if !s.mustAudit(w, r, store.ActViewList, "followups", "") {
		return
	}
	page, err := s.store.FollowUpsPage(r.Context(), p.Scope(), all, r.URL.Query().Get("cursor"), followUpsPageSize)
	if s.badFilter(w, r, err) {
		return
	}
	s.render(w, r, http.StatusOK, "followups", "title.followups", followUpsData{All: all, List: page.FollowUps, Next: page.NextCursor})
}

// followUpsAll reads the follow-ups' all parameter (the page's, its
// export's, GET /api/v1/followups'): true or false as strconv.ParseBool
// reads them (1, 0 too), false when not given; another value is a
// filterError (all=0 is no "all").
func followUpsAll(q url.Values) (bool, error) {
	if q.Get("all") == "" {
		return false, nil
	}
	all, err := strconv.ParseBool(q.Get("all"))
	if err != nil {
		return false, filterErr("err.filter.all")
	}
	return all, nil
}

// followUpsExport streams the follow-ups /followups shows (open ones, or
// all with all=1), every page of them, as CSV, XLSX (in the reader's
// language) or JSON: what each unit decided, who and when.
func (s *Server) followUpsExport(w http.ResponseWriter, r *http.Request) {
	if scriptRefused(w, r, []string{"all", "format"}) {
		return
	}
	q := r.URL.Query()
	format, err := report.ParseFormat(q.Get("format"))
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "err.filter.format", "Value", model.Quote(q.Get("format")))
		return
	}
	all, err := followUpsAll(q)
	if s.badFilter(w, r, err) {
		return
	}
	detail := "followups open"
	if all {
		detail = "followups all"
	}
	if !s.mustAudit(w, r, store.ActExport, detail, string(format)) {
		return
	}
	scope := principal(r.Context()).Scope()
	s.download(w, r, "followups", s.exportFile("followups", format), format, followUpRows, func(w io.Writer) (int, error) {
		return report.FollowUps(r.Context(), s.store, scope, all, format, w, s.xlsxFor(r))
	})
}

type printData struct {
	Batches []store.PrintBatch
	CanAct  bool
	Manual  []store.ManualItem
}

// printPage lists print batches awaiting approval.
func (s *Server) printPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	batches, err := s.store.PrintBatches(r.Context(), p.Scope(), s.now())
	if err != nil {
		s.internalError(w, r, "list print batches", err)
		return
	}
	named, err := s.policyLabels(r)
	if err != nil {
		s.internalError(w, r, "name the print batches' policies", err)
		return
	}
	for i := range batches {
		batches[i].Policy = named(batches[i].Policy)
	}
	s.audit(r.Context(), store.ActViewList, "print_batches", "")
	s.render(w, r, http.StatusOK, "print", "title.print", printData{Batches: batches, CanAct: s.print != nil})
}

// printDecision releases or rejects a held batch. A scoped compliance
// officer may decide only a batch made entirely of their organisation's
// shipments, and only the batch as the page showed it (the form carries its
// count and digest): the store checks both again under the batch's lock, so
// that a print joining the batch after the page was shown is never released
// unseen.
func (s *Server) printDecision(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	action := r.PathValue("action")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || (action != "release" && action != "reject") {
		s.renderError(w, r, http.StatusNotFound, "err.no_batch_action")
		return
	}
	if s.print == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, "err.print_disabled")
		return
	}
	seen := store.PrintBatchSeen{Scope: p.Scope(), Digest: r.PostFormValue("digest")}
	seen.Shipments, err = strconv.Atoi(r.PostFormValue("shipments"))
	if err != nil || seen.Digest == "" {
		s.renderError(w, r, http.StatusBadRequest, "err.batch_form")
		return
	}
	batches, err := s.store.PrintBatches(r.Context(), p.Scope(), s.now())
	if err != nil {
		s.internalError(w, r, "list print batches", err)
		return
	}
	switch b := byID(batches, id, func(b *store.PrintBatch) int64 { return b.ID }); {
	case b == nil:
		s.noBatch(w, r, id)
		return
	case b.InScope != b.Shipments:
		s.forbidden(r.Context(), r, "print batch holds other organisations' shipments")
		s.renderError(w, r, http.StatusForbidden, "err.batch_other_orgs")
		return
	case b.State != "held":
		s.renderError(w, r, http.StatusConflict, "err.batch_already", "State", b.State)
		return
	default:
		aboutBatch(r.Context(), *b)
	}
	decide, act, refused := s.print.ReleaseBatch, store.ActPrintRelease, store.ActPrintReleaseRefused
	if action == "reject" {
		decide, act, refused = s.print.RejectBatch, store.ActPrintReject, store.ActPrintRejectRefused
	}
	d, err := decide(r.Context(), id, seen, p.Actor(), s.now())
	switch {
	case errors.Is(err, store.ErrBatchChanged):
		s.log.Warn("print batch not decided: it changed since it was shown", "batch", id, "action", action, "actor", p.Actor(), "error", err)
		s.audit(r.Context(), refused, "print_batch "+strconv.FormatInt(id, 10), "the batch changed since it was shown")
		s.renderError(w, r, http.StatusConflict, "err.batch_changed")
		return
	case errors.Is(err, store.ErrBatchDecided):
		s.renderError(w, r, http.StatusConflict, "err.batch_decided")
		return
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "err.no_batch")
		return
	case err != nil:
		s.internalError(w, r, action+" print batch", err)
		return
	}
	// What was decided, not what was seen: a letter opened since it was
	// held is skipped, not printed.
	s.audit(r.Context(), act, "print_batch "+strconv.FormatInt(id, 10), d.AuditDetail())
	s.log.Info("print batch decided", "batch", id, "action", action, "actor", p.Actor(), "shipments", d.Decided, "skipped", d.Skipped)
	http.Redirect(w, r, "/print/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// manualPageRows is how many cases /manual shows, the oldest; the page
// says when more wait (manualData.Capped).
const manualPageRows = 500

// manualPage is the manual-handling queue of the print fallback.
func (s *Server) manualPage(w http.ResponseWriter, r *http.Request) { s.showManual(w, r, nil) }

// showManual is /manual; res, a resolution carried through a login, comes
// back filled in its letter's row, or is said to be gone.
func (s *Server) showManual(w http.ResponseWriter, r *http.Request, res *manualResume) {
	p := principal(r.Context())
	if !s.mustAudit(w, r, store.ActViewList, "manual_queue", "") {
		return
	}
	items, err := s.store.ManualQueue(r.Context(), p.Scope(), manualPageRows+1)
	if err != nil {
		s.internalError(w, r, "list manual queue", err)
		return
	}
	capped := len(items) > manualPageRows
	if capped {
		items = items[:manualPageRows]
	}
	d := manualData{Manual: items, CanResolve: p.Can(auth.ResolveManual), Capped: capped}
	if res != nil {
		id := strings.ToLower(res.Shipment) // as the queue gives it
		d.Message = s.loc(r).T("manual.resumed_gone")
		if slices.ContainsFunc(items, func(m store.ManualItem) bool { return m.ShipmentID == id }) {
			d.Resumed = manualResume{Shipment: id, Resolution: res.Resolution, Note: res.Note}
			d.Message = s.loc(r).T("manual.resumed")
		}
	}
	s.render(w, r, http.StatusOK, "manual", "title.manual", d)
}
