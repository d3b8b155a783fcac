// Package web is postvakt's HTTP face: the JSON API under /api/v1 and the
// health check. It reads and writes only through the store.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Store is what the web layer needs from storage.
type Store interface {
	Ping(ctx context.Context) error
	TokenBySecret(ctx context.Context, secret string) (*store.Token, error)
	Register(ctx context.Context, items []model.NewShipment, source, actor string) ([]store.Shipment, int, error)
	Shipment(ctx context.Context, id string, scope store.Scope) (*store.Shipment, error)
	Shipments(ctx context.Context, f store.Filter) (*store.Page, error)
}

// Server serves the API.
type Server struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
	mux   *http.ServeMux
}

// New returns a server over st. now is the clock used to validate sent
// times; nil means time.Now.
func New(st Store, log *slog.Logger, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{store: st, log: log, now: now, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.Handle("POST /api/v1/shipments", s.auth(s.register, "admin", "compliance", "unit"))
	s.mux.Handle("GET /api/v1/shipments", s.auth(s.listShipments, "admin", "compliance", "unit"))
	s.mux.Handle("GET /api/v1/shipments/{id}", s.auth(s.getShipment, "admin", "compliance", "unit"))
	s.mux.Handle("/api/", s.auth(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint")
	}))
	return s
}

// ServeHTTP logs every request (method, path, status, duration; never the
// query, which may carry a person id) and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.Info("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"duration_ms", time.Since(start).Milliseconds())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check: database unreachable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// internalError logs err and answers 500 without detail.
func (s *Server) internalError(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error(what, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the server log")
}
