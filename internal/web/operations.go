package web

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/health"
	"postvakt/internal/store"
)

// Liveness tells whether the process's background loops still turn
// (*jobs.Scheduler is one): Stalled returns an error when they are wedged,
// which only a restart mends. It must be cheap and must not ask the
// database.
type Liveness interface {
	Stalled(now time.Time) error
}

// health is GET /healthz, the liveness check: 200 while this process
// serves HTTP and its background loops turn; 503 when they are wedged. It
// never asks the database: a liveness failure restarts the process, and a
// database outage is not mended by restarting every replica (each would
// lose its running work and the credentials it remembers for /ops and
// /metrics). Whether to send traffic here is /readyz's question.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if s.liveness != nil {
		// The real clock, not s.now: the loops run on it.
		if err := s.liveness.Stalled(time.Now()); err != nil {
			s.log.Error("liveness: the background loops are stalled", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "stalled"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready is GET /readyz: 200 when the database answers, takes writes,
// carries every migration this binary has and does not need a newer
// binary (store.CheckSchema), else 503 saying which; 503 "stopping" from
// the moment the process begins to stop (WithStopping), whatever the
// database. What it finds is logged once per outage (s.readyLog), not at
// every probe (outage.Log); the stop is logged by serve.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.stopping:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "stopping"})
		return
	default:
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	now := time.Now() // the real clock, not s.now: how long an outage lasted
	// Within: a database that hangs (no reply) answers no context's end
	// (store.Within); the probe answers 503 in time all the same.
	if err := store.WithinDo(ctx, 2*time.Second, s.store.Ping); err != nil {
		s.readyLog.Failed(s.log, now, "readiness: the database does not answer", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	// Only an answer is a verdict on writes or the schema: a read not
	// answered (in time) is the database not answering, not a standby or
	// migrations pending, which would send the operator after those.
	if err := store.WithinDo(ctx, 2*time.Second, s.store.Writable); err != nil {
		if !errors.Is(err, store.ErrReadOnly) {
			s.readyLog.Failed(s.log, now, "readiness: the database does not answer", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
			return
		}
		s.readyLog.Failed(s.log, now, "readiness: the database takes no writes", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database read-only"})
		return
	}
	if err := store.WithinDo(ctx, 2*time.Second, s.store.SchemaCurrent); err != nil {
		var old *store.TooOldError
		if errors.As(err, &old) {
			// A newer release migrated the database past what this binary
			// can serve: no traffic here (it would answer 500s); the
			// reason says which release the database needs.
			s.readyLog.Failed(s.log, now, "readiness: the database needs a newer postvakt", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database needs a newer postvakt", "reason": err.Error()})
			return
		}
		if !errors.Is(err, store.ErrSchemaBehind) {
			s.readyLog.Failed(s.log, now, "readiness: the database does not answer", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
			return
		}
		s.readyLog.Failed(s.log, now, "readiness: the database schema is not current", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "migrations pending"})
		return
	}
	s.readyLog.Ok(s.log, now)
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// channelOps is one channel's line on the operations page.
type channelOps struct {
	Channel    string
	Activity   store.ChannelActivity
	Lag        *time.Duration // how long the letter waiting longest for its poll has waited
	Due        int
	Open       map[string]int
	OpenStates []string
}

type opsPageData struct {
	DB           string
	Latency      time.Duration
	SchemaBehind bool // migrations pending
	SchemaTooNew bool // the database needs a newer postvakt (store.TooOldError)
	Channels     []channelOps
	Alerts       []store.Alert
	Notices      []store.AlertNoticeRow
	Stuck        store.StuckCounts // what waits on a person, counted without naming anyone; shown only when DB is "ok" (read)
	Hour         time.Time
	AllOrgs      bool // the principal sees every sender organisation (/metrics, where alerts went)
}

// operationsPage is the operations view, without personal data: the
// database, per channel the last answered call, the last status change,
// the calls and failures of the last hour, the poll lag and the open
// letters by state; what waits on a person, counted (refused Altinn
// Notifications orders, manual handling, reminders of unknown outcome,
// organisations that could not be reminded for want of an address:
// numbers only, each page that names them linked for a role that may see
// it); the firing health alerts and the latest alert notices. Metrics are
// at /metrics.
func (s *Server) operationsPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	now := s.now()
	d := opsPageData{DB: "ok", Hour: now.Add(-time.Hour)}
	start := time.Now()
	// Within: a database that hangs (connections open, no reply) answers
	// no context's end; it is "slow" after 2 s all the same.
	if err := store.WithinDo(ctx, 2*time.Second, s.store.Ping); err != nil {
		d.DB = "unreachable"
		if errors.Is(err, context.DeadlineExceeded) {
			d.DB = "slow"
		}
		d.Latency = time.Since(start).Round(time.Microsecond)
		s.render(w, r, http.StatusOK, "ops", "title.ops", d)
		return
	}
	d.Latency = time.Since(start).Round(time.Microsecond)
	if err := store.WithinDo(ctx, 2*time.Second, s.store.SchemaCurrent); err != nil {
		var old *store.TooOldError
		switch {
		case errors.As(err, &old):
			d.SchemaTooNew = true
		case errors.Is(err, store.ErrSchemaBehind):
			d.SchemaBehind = true
		default:
			// Not read: no verdict on the schema, nor anything else
			// read from the database, as when the ping is not answered.
			s.log.Error("operations page: the database does not answer (reading the schema version)", "error", err)
			d.DB = "unreachable"
			if errors.Is(err, context.DeadlineExceeded) {
				d.DB = "slow"
			}
			s.render(w, r, http.StatusOK, "ops", "title.ops", d)
			return
		}
		s.log.Error("operations page: the database schema is not current", "error", err)
	}
	acts, err := s.store.ChannelActivities(ctx, now.Add(-time.Hour), now)
	if err != nil {
		s.internalError(w, r, "read channel activity", err)
		return
	}
	lags, err := s.store.PollLags(ctx, now)
	if err != nil {
		s.internalError(w, r, "read poll lag", err)
		return
	}
	byCh := map[string]*channelOps{}
	get := func(ch string) *channelOps {
		if c, ok := byCh[ch]; ok {
			return c
		}
		c := &channelOps{Channel: ch, Activity: store.ChannelActivity{Channel: ch}, Open: map[string]int{}, OpenStates: []string{"registered", "accepted", "available"}}
		byCh[ch] = c
		return c
	}
	for _, a := range acts {
		get(a.Channel).Activity = a
	}
	for _, l := range lags {
		c := get(l.Channel)
		c.Due, c.Open = l.Due, l.OpenStates
		if l.OldestDue != nil {
			lag := now.Sub(*l.OldestDue).Round(time.Second)
			c.Lag = &lag
		}
	}
	for _, c := range byCh {
		d.Channels = append(d.Channels, *c)
	}
	sort.Slice(d.Channels, func(i, j int) bool { return d.Channels[i].Channel < d.Channels[j].Channel })
	p := principal(ctx)
	if d.Stuck, err = s.store.StuckCounts(ctx, p.Scope()); err != nil {
		s.internalError(w, r, "count what is stuck", err)
		return
	}
	if d.Alerts, err = s.store.FiringAlerts(ctx); err != nil {
		s.internalError(w, r, "list firing alerts", err)
		return
	}
	d.Alerts = visibleAlerts(p, d.Alerts)
	// A sending unit by its id (unit_id), never its name, as the alert's
	// mail, webhook and metric name it: the page is for operations, and a
	// unit's name says what its letters are about (Barnevernstjenesten).
	// The alert's own page shows the name to those who may see it.
	for i := range d.Alerts {
		d.Alerts[i].Labels = health.OutwardLabels(d.Alerts[i])
	}
	d.AllOrgs = p.Scope().SenderOrg == ""
	// Where alerts went (addresses of every organisation's officers) is
	// for those who see every organisation.
	if p.Scope().SenderOrg == "" {
		if d.Notices, err = s.store.AlertNotices(ctx, 10); err != nil {
			s.internalError(w, r, "list alert notices", err)
			return
		}
		if !p.Can(auth.ViewRuleAddresses) {
			// The e-mail addresses alerts went to are often a person's
			// (unit managers, compliance officers): operations sees
			// that a notice went by e-mail, not to whom (Roles).
			for i := range d.Notices {
				d.Notices[i].Destination, d.Notices[i].LastError = noticeWithoutAddress(d.Notices[i].Destination, d.Notices[i].LastError)
			}
		}
	}
	s.render(w, r, http.StatusOK, "ops", "title.ops", d)
}

// emailAddress is an e-mail address in a text (a mail server's error
// quotes the recipient's).
var emailAddress = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

// noticeWithoutAddress is a health notice's destination and last error
// without e-mail addresses: "email:" for any address, each address in the
// error "…@domain" (the organisation's domain says which relay answered,
// not whose mailbox).
func noticeWithoutAddress(dest, lastError string) (string, string) {
	if strings.HasPrefix(dest, "email:") {
		dest = "email:"
	}
	return dest, emailAddress.ReplaceAllStringFunc(lastError, func(a string) string {
		return "…@" + a[strings.LastIndex(a, "@")+1:]
	})
}
