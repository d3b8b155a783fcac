// Package spectest is a test helper: it wraps a fake server's handler and
// checks every request the code under test sends, and every response the
// fake gives, against the channels' real OpenAPI documents with
// kin-openapi. Violations are reported through testing.TB.
//
// The documents keep their own servers (e.g. https://svarut.ks.no/api): an
// incoming request to the fake at {fake}{path} is validated as if it had
// been sent to {first server of the document}{path}, so the server's base
// path is part of what is checked.
//
// Clock is the adapters' tests' retry clock: no real waits, each recorded.
package spectest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// uuidPattern matches a UUID of any version in its canonical text form.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// Spec is a set of loaded OpenAPI documents.
type Spec struct {
	// MaxResponses, if positive, stops response validation after that many
	// responses (requests are still all validated). kin-openapi compiles
	// an OpenAPI 3.1 schema for every response it checks, some ms each, so
	// volume tests (thousands of exchanges) set it; the shapes are checked
	// in full by the other tests.
	MaxResponses int64

	docs     []*openapi3.T
	routers  []routers.Router
	requests atomic.Int64
	answers  atomic.Int64
}

// Load reads the OpenAPI files. patch, if not nil, is applied to every
// document before it is validated and routed; use it only for drift the
// project documents (say why where you call it).
func Load(tb testing.TB, patch func(*openapi3.T), files ...string) *Spec {
	tb.Helper()
	s := &Spec{}
	for _, f := range files {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(f)
		if err != nil {
			tb.Fatalf("spectest: loading %s: %v", f, err)
		}
		if patch != nil {
			patch(doc)
		}
		// kin-openapi leaves "uuid" unchecked unless told; both channels'
		// ids are UUIDs (any version: Altinn's are v7).
		doc.SetStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern))
		if len(doc.Servers) == 0 {
			tb.Fatalf("spectest: %s declares no servers", f)
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			tb.Fatalf("spectest: routing %s: %v", f, err)
		}
		s.docs = append(s.docs, doc)
		s.routers = append(s.routers, r)
	}
	return s
}

// Checked returns how many requests and how many responses were validated.
func (s *Spec) Checked() (requests, responses int64) {
	return s.requests.Load(), s.answers.Load()
}

// Handler wraps next: every request must match an operation of one of the
// documents and be valid for it; every response next writes must be valid
// for that operation, unless next called SkipResponse (a deliberately
// broken answer, such as an HTML error page).
func (s *Spec) Handler(tb testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			tb.Errorf("spectest: reading request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		input := s.checkRequest(tb, r, body)

		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		next.ServeHTTP(rec, r)

		if input != nil && !rec.skip && (s.MaxResponses <= 0 || s.answers.Load() < s.MaxResponses) {
			s.answers.Add(1)
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: input,
				Status:                 rec.code,
				Header:                 rec.header,
				Body:                   io.NopCloser(bytes.NewReader(rec.body.Bytes())),
			}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				tb.Errorf("spectest: response %d to %s %s violates the spec: %v\nbody: %.500s", rec.code, r.Method, r.URL, err, rec.body.Bytes())
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// checkRequest validates r and returns the input for validating the
// response, or nil when r matched no operation (already reported).
func (s *Spec) checkRequest(tb testing.TB, r *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	for i, doc := range s.docs {
		u, err := url.Parse(strings.TrimRight(doc.Servers[0].URL, "/") + r.URL.EscapedPath())
		if err != nil {
			tb.Errorf("spectest: %v", err)
			return nil
		}
		u.RawQuery = r.URL.RawQuery
		as := r.Clone(context.Background())
		as.URL, as.Host, as.RequestURI = u, u.Host, ""
		as.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := s.routers[i].FindRoute(as)
		if err != nil {
			continue
		}
		s.requests.Add(1)
		input := &openapi3filter.RequestValidationInput{
			Request:    as,
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
				MultiError:              true,
				SchemaValidationOptions: doc.GetSchemaValidationOptions(),
			},
		}
		if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
			tb.Errorf("spectest: request %s %s violates the spec: %v\nbody: %.500s", r.Method, r.URL, err, body)
		}
		// The response check must not see the request check's options.
		return &openapi3filter.RequestValidationInput{Request: as, PathParams: params, Route: route,
			Options: &openapi3filter.Options{MultiError: true, SchemaValidationOptions: doc.GetSchemaValidationOptions()}}
	}
	tb.Errorf("spectest: request %s %s matches no operation in the specs", r.Method, r.URL)
	return nil
}

// SkipResponse marks the response being written as deliberately off-spec;
// call it on the ResponseWriter Handler gave the wrapped handler.
func SkipResponse(w http.ResponseWriter) {
	if rec, ok := w.(*recorder); ok {
		rec.skip = true
	}
}

// recorder buffers the wrapped handler's answer so it can be validated.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	wrote  bool
	skip   bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
