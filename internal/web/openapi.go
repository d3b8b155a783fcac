package web

import (
	_ "embed" // the OpenAPI document
	"net/http"
)

// OpenAPI is postvakt's own API described: OpenAPI 3.1, every /api/v1
// route with its authentication and errors. It is served without
// authentication at /api/v1/openapi.json, so that an integrator can read
// it before having a token; tests validate real answers against it.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(OpenAPI)
}
