package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"postvakt/internal/escalate"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// Previewer answers what the next escalation run would do, changing
// nothing (*escalate.Escalator).
type Previewer interface {
	Preview(ctx context.Context, now time.Time) (escalate.Summary, error)
}

// previewFresh is how long one dry run answers every viewer of /preview.
const previewFresh = time.Minute

// previewTimeout bounds a dry run that viewers share: it goes on when the
// viewer who started it leaves.
const previewTimeout = 5 * time.Minute

// sharedPreview runs one dry run at a time for all viewers and reuses its
// answer for previewFresh: at a million letters a dry run takes seconds
// and locks the letters it claims, so a page reloaded or opened by many
// must not start one each.
type sharedPreview struct {
	p     Previewer
	group singleflight.Group

	mu  sync.Mutex
	sum escalate.Summary
	at  time.Time // the server's clock when sum was made; zero: none yet
}

// Preview answers as of now: the last answer if it is younger than
// previewFresh, else a new dry run, shared with whoever asks meanwhile.
func (sp *sharedPreview) Preview(ctx context.Context, now time.Time) (escalate.Summary, error) {
	sp.mu.Lock()
	if !sp.at.IsZero() && !now.Before(sp.at) && now.Sub(sp.at) < previewFresh {
		sum := sp.sum
		sp.mu.Unlock()
		return sum, nil
	}
	sp.mu.Unlock()
	ch := sp.group.DoChan("preview", func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), previewTimeout)
		defer cancel()
		sum, err := sp.p.Preview(rctx, now)
		if err == nil {
			sp.mu.Lock()
			sp.sum, sp.at = sum, now
			sp.mu.Unlock()
		}
		return sum, err
	})
	select {
	case r := <-ch:
		return r.Val.(escalate.Summary), r.Err
	case <-ctx.Done():
		return escalate.Summary{}, ctx.Err()
	}
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
			s.internalError(w, r, "preview the escalation", err)
			return
		}
		named, err := s.policyLabels(r)
		if err != nil {
			s.internalError(w, r, "name the preview's policies", err)
			return
		}
		scope := principal(r.Context()).Scope()
		l := s.loc(r)
		for _, st := range sum.Steps {
			if (scope.SenderOrg == "" || st.SenderOrg == scope.SenderOrg) && (scope.SenderUnit == "" || st.SenderUnit == scope.SenderUnit) {
				st.Policy = named(st.Policy)
				d.Steps = append(d.Steps, previewStep{StepCount: st, Label: stepLabel(l, st.Step)})
			}
		}
		if scope.SenderOrg == "" {
			d.Summary = &sum
		}
	}
	s.audit(r.Context(), store.ActViewList, "escalation_preview", "")
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
