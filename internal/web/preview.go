package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/i18n"
)

// Previewer answers what the next escalation run would do, changing
// nothing (*escalate.Escalator).
type Previewer interface {
	Preview(ctx context.Context, now time.Time) (escalate.Summary, error)
}

type previewData struct {
	Enabled bool
	Steps   []previewStep
	Summary *escalate.Summary // for a viewer without an organisation limit
}

// previewStep is one row: the step's counts, and its name in the reader's
// language.
type previewStep struct {
	escalate.StepCount
	Label string
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
		l := s.loc(r)
		for _, st := range sum.Steps {
			if (scope.SenderOrg == "" || st.SenderOrg == scope.SenderOrg) && (scope.SenderUnit == "" || st.SenderUnit == scope.SenderUnit) {
				d.Steps = append(d.Steps, previewStep{StepCount: st, Label: stepLabel(l, st.Step)})
			}
		}
		if scope.SenderOrg == "" {
			d.Summary = &sum
		}
	}
	s.audit(r.Context(), "view_list", "escalation_preview", "")
	s.render(w, r, http.StatusOK, "preview", "title.preview", d)
}

// stepLabel names an escalation step (escalate.Decision.Label: "reminder
// 2", "print", "catch-up reminder 1") in l's language; a step it does not
// know as it is.
func stepLabel(l *i18n.Localizer, label string) string {
	rest, catchUp := strings.CutPrefix(label, "catch-up ")
	name := rest
	if n, ok := strings.CutPrefix(rest, "reminder "); ok {
		if _, err := strconv.Atoi(n); err == nil {
			name = l.T("step.reminder", "N", n)
		}
	} else if rest == "print" {
		name = l.T("step.print")
	}
	if catchUp {
		return l.T("step.catch_up", "Step", name)
	}
	return name
}
