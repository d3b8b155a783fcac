package web

import (
	"context"
	"net/http"
	"time"

	"postvakt/internal/escalate"
)

// Previewer answers what the next escalation run would do, changing
// nothing (*escalate.Escalator).
type Previewer interface {
	Preview(ctx context.Context, now time.Time) (escalate.Summary, error)
}

type previewData struct {
	Enabled bool
	Steps   []escalate.StepCount
	Summary string
}

// previewPage shows, per step, sending organisation and unit, what the
// next escalation run would do as of now (a dry run: nothing is recorded
// or sent), limited to the principal's scope. It is where a compliance
// officer sees a back-fill's catch-up before it happens.
func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	d := previewData{Enabled: s.preview != nil}
	if s.preview != nil {
		sum, err := s.preview.Preview(r.Context(), s.now())
		if err != nil {
			s.internalError(w, "preview the escalation", err)
			return
		}
		scope := principal(r.Context()).Scope()
		for _, st := range sum.Steps {
			if (scope.SenderOrg == "" || st.SenderOrg == scope.SenderOrg) && (scope.SenderUnit == "" || st.SenderUnit == scope.SenderUnit) {
				d.Steps = append(d.Steps, st)
			}
		}
		if scope.SenderOrg == "" {
			d.Summary = sum.String()
		}
	}
	s.audit(r.Context(), "view_list", "escalation_preview", "")
	s.render(w, r, http.StatusOK, "preview", "Next escalation run", d)
}
