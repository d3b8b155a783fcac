package web

import (
	"net/http"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// refusedData is /refused: the Altinn Notifications orders Altinn refused
// for good whose reminders list a letter in the viewer's scope, newest
// first, and how many there are (the command line's count, for an
// unscoped viewer: postvakt notifications list).
type refusedData struct {
	Orders []store.RefusedOrderView
	Total  int
}

// Masked is a receiving organisation's number as shown: any national id
// in it masked (reminders go to organisations, but the page never shows
// one whole).
func (refusedData) Masked(org string) string { return string(model.MaskNationalIDsIn([]byte(org))) }

// refusedPage lists the refused Altinn Notifications orders in scope:
// to whom, the sending organisations and letters (by reference) in scope,
// when, Altinn's code, and what follows, in the words the command line
// uses (store.RefusedOrder's phrases). No title, nothing of a letter's
// content. Audited before anything is read, as the other lists.
func (s *Server) refusedPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if !s.mustAudit(w, r, store.ActViewList, "refused_orders", "") {
		return
	}
	list, err := s.store.RefusedOrdersIn(r.Context(), p.Scope(), 500)
	if err != nil {
		s.internalError(w, r, "list refused notification orders", err)
		return
	}
	s.render(w, r, http.StatusOK, "refused", "title.refused", refusedData{Orders: list.Orders, Total: list.Total})
}

// Say is a phrase in the page's language (i18n.Localizer.Say): "" for
// the zero Phrase.
func (v view) Say(p i18n.Phrase) string { return v.L.Say(p, "") }

// RefusedCount is how many orders were refused, in the page's language:
// the command line's summary's words (store.RefusedCount).
func (v view) RefusedCount(n int) string { return v.Say(store.RefusedCount(n)) }
