package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"postvakt/internal/web"
)

// apiSpec is postvakt's own OpenAPI document, loaded and validated once
// per test.
type apiSpec struct {
	doc     *openapi3.T
	router  routers.Router
	checked atomic.Int64
}

func loadAPISpec(t *testing.T) *apiSpec {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	// The document's server is relative ("/": wherever it was read from);
	// the router matches requests as if sent to one fixed host.
	doc.Servers = openapi3.Servers{{URL: "http://postvakt.test"}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &apiSpec{doc: doc, router: r}
}

// wrap checks every answer to /api/v1/... against the document: the
// operation must be described and the answer (status, content type, body)
// valid for it. A request for a path the document does not have must be
// answered 401 or 404 with an error object, its words and its code (405
// with Allow for a method the path does not take). Every web test's server goes
// through it, so every /api/v1 handler test checks its responses.
func (s *apiSpec) wrap(t *testing.T, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if err := s.check(r, rec); err != nil {
			t.Error(err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (s *apiSpec) check(r *http.Request, rec *httptest.ResponseRecorder) error {
	s.checked.Add(1)
	as := r.Clone(context.Background())
	as.URL.Scheme, as.URL.Host, as.Host = "http", "postvakt.test", "postvakt.test"
	route, params, err := s.router.FindRoute(as)
	if err != nil {
		var e map[string]any
		wrongMethod := rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != ""
		if (rec.Code != http.StatusUnauthorized && rec.Code != http.StatusNotFound && !wrongMethod) ||
			json.Unmarshal(rec.Body.Bytes(), &e) != nil || e["error"] == nil || e["code"] == nil {
			return fmt.Errorf("openapi: %s %s is not in the document (%v), answered %d %.300s", r.Method, r.URL.Path, err, rec.Code, rec.Body.String())
		}
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: as, PathParams: params, Route: route,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}},
		Status:  rec.Code,
		Header:  rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("openapi: answer %d to %s %s violates the document: %v\nbody: %.600s", rec.Code, r.Method, r.URL.Path, err, rec.Body.String())
	}
	return nil
}

// TestOpenAPIServedAndComplete: the document is served without a token, is
// valid OpenAPI 3.1, and describes every /api/v1 route the server has, with
// bearer authentication and its errors.
func TestOpenAPIServedAndComplete(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(served, web.OpenAPI) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	spec := loadAPISpec(t)
	if spec.doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", spec.doc.OpenAPI)
	}
	for _, route := range []struct{ method, path string }{
		{"POST", "/api/v1/shipments"}, {"GET", "/api/v1/shipments"}, {"GET", "/api/v1/shipments/{id}"},
		{"GET", "/api/v1/audit"}, {"GET", "/api/v1/summary"}, {"GET", "/api/v1/openapi.json"},
	} {
		item := spec.doc.Paths.Find(route.path)
		if item == nil || item.GetOperation(route.method) == nil {
			t.Errorf("%s %s is not described", route.method, route.path)
			continue
		}
		op := item.GetOperation(route.method)
		if route.path == "/api/v1/openapi.json" {
			continue
		}
		if op.Responses.Value("401") == nil || op.Responses.Value("403") == nil {
			t.Errorf("%s %s: 401 and 403 are not described", route.method, route.path)
		}
	}
	if len(spec.doc.Security) == 0 || spec.doc.Components.SecuritySchemes["bearer"] == nil {
		t.Error("bearer authentication is not described")
	}
}

// TestOpenAPICheckCatchesWrongAnswers: the check that every web test's API
// answers go through does fail on an answer the document does not allow.
func TestOpenAPICheckCatchesWrongAnswers(t *testing.T) {
	spec := loadAPISpec(t)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
		ok           bool
	}{
		{"GET", "/api/v1/shipments", 200, `{"shipments":[],"next_cursor":""}`, true},
		{"GET", "/api/v1/shipments", 200, `{"shipments":5}`, false},
		{"GET", "/api/v1/shipments", 418, `{"error":"teapot","code":"bad_request"}`, false},
		{"GET", "/api/v1/shipments", 400, `{"error":"limit must be a number"}`, false},
		{"GET", "/api/v1/shipments", 400, `{"error":"limit must be a number","code":"limit"}`, false},
		{"GET", "/api/v1/shipments", 400, `{"error":"limit must be a number","code":"bad_request"}`, true},
		{"GET", "/api/v1/audit", 200, `{"entries":[{"at":"2026-11-23T12:00:00Z","actor":"user:kari"}]}`, false},
		{"GET", "/api/v1/nothing", 404, `{"error":"no such API endpoint","code":"not_found"}`, true},
		{"GET", "/api/v1/nothing", 404, `{"error":"no such API endpoint"}`, false},
		{"GET", "/api/v1/nothing", 200, `{}`, false},
	} {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(tc.status)
		rec.WriteString(tc.body)
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if err := spec.check(r, rec); (err == nil) != tc.ok {
			t.Errorf("%s %s %d %s: check says %v", tc.method, tc.path, tc.status, tc.body, err)
		}
	}
}
