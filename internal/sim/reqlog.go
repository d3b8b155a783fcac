package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RequestRecord is one request the simulator answered.
type RequestRecord struct {
	Seq        int64     `json:"seq"`         // 1, 2, 3… in arrival order
	Time       time.Time `json:"time"`        // simulated time of arrival
	Wall       time.Time `json:"wall"`        // real time of arrival
	Method     string    `json:"method"`      // HTTP method
	Path       string    `json:"path"`        // URL path
	Query      string    `json:"query"`       // raw query string
	Group      string    `json:"group"`       // endpoint group (svarut, altinn, token…)
	IDs        []string  `json:"ids"`         // the ids asked for (shipments, orgnr, orders…)
	Status     int       `json:"status"`      // status code answered
	Fault      string    `json:"fault"`       // injected fault(s), comma-separated, "" for none
	DurationMS float64   `json:"duration_ms"` // time to answer, real milliseconds
}

// requestLog keeps the last max records.
type requestLog struct {
	mu   sync.Mutex
	max  int
	seq  int64
	recs []RequestRecord
}

func newRequestLog(max int) *requestLog { return &requestLog{max: max} }

func (l *requestLog) add(rec *RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	rec.Seq = l.seq
	if rec.IDs == nil {
		rec.IDs = []string{}
	}
	l.recs = append(l.recs, *rec)
	if len(l.recs) > l.max {
		drop := len(l.recs) - l.max
		if drop < l.max/10 {
			drop = l.max / 10 // drop in chunks, not one by one
		}
		l.recs = append(l.recs[:0:0], l.recs[drop:]...)
	}
}

func (l *requestLog) since(seq int64) []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []RequestRecord
	for _, r := range l.recs {
		if r.Seq > seq {
			out = append(out, r)
		}
	}
	return out
}

func (l *requestLog) reset() {
	l.mu.Lock()
	l.recs = nil
	l.mu.Unlock()
}

// Requests returns the request log, oldest first.
func (s *Sim) Requests() []RequestRecord { return s.log.since(0) }

// RequestsSince returns the records after sequence number seq.
func (s *Sim) RequestsSince(seq int64) []RequestRecord { return s.log.since(seq) }

// ResetRequests empties the request log (sequence numbers go on).
func (s *Sim) ResetRequests() { s.log.reset() }

type recKey struct{}

// noteIDs records the ids a request asked for in its log record.
func noteIDs(r *http.Request, ids ...string) {
	if rec, ok := r.Context().Value(recKey{}).(*RequestRecord); ok {
		rec.IDs = append(rec.IDs, ids...)
	}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// middleware logs every API request and injects the scenario's faults.
// Control requests (/sim/) are neither logged nor faulted.
func (s *Sim) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sim/") || r.URL.Path == "/sim" {
			next.ServeHTTP(w, r)
			return
		}
		began := time.Now()
		group := groupOf(r.URL.Path)
		rec := &RequestRecord{Time: s.Now(), Wall: began, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Group: group}
		ctx := context.WithValue(r.Context(), recKey{}, rec)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		d := s.faults.decide(group, rec.Time)
		var faults []string
		if d.slow > 0 {
			faults = append(faults, faultSlow)
			s.opts.Sleep(ctx, d.slow)
		}
		if d.kind != "" {
			faults = append(faults, d.kind)
			if d.kind != faultMalformed {
				rec.IDs = extractIDs(r)
			}
		}
		rec.Fault = strings.Join(faults, ",")
		if !s.applyFault(sw, r, d, next) {
			next.ServeHTTP(sw, r)
		}
		rec.Status = sw.status
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		rec.DurationMS = float64(time.Since(began).Microseconds()) / 1000
		s.log.add(rec)
		if rec.Fault != "" {
			s.logger.Debug("fault injected", "path", rec.Path, "fault", rec.Fault, "status", rec.Status)
		}
	})
}

// extractIDs finds the ids a request asks for without its handler: path
// segments that are UUIDs or organisation numbers, and the usual id fields
// of JSON bodies. Used when a fault answers before the handler could.
func extractIDs(r *http.Request) []string {
	var ids []string
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if isUUID(seg) || (len(seg) == 9 && allDigits(seg)) {
			ids = append(ids, seg)
		}
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		ids = append(ids, k)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return ids
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	r.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil || len(data) == 0 {
		return ids
	}
	var arr []string
	if json.Unmarshal(data, &arr) == nil {
		return append(ids, arr...)
	}
	var obj struct {
		ForsendelseIDs      []string `json:"forsendelseIds"`
		OrganizationNumbers []string `json:"organizationNumbers"`
		IdempotencyID       string   `json:"idempotencyId"`
	}
	if json.Unmarshal(data, &obj) == nil {
		ids = append(ids, obj.ForsendelseIDs...)
		ids = append(ids, obj.OrganizationNumbers...)
		if obj.IdempotencyID != "" {
			ids = append(ids, obj.IdempotencyID)
		}
	}
	return ids
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
