package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"postvakt/internal/store"
)

type principalKey struct{}

// principal returns the token the request was authenticated with.
func principal(ctx context.Context) *store.Token {
	t, _ := ctx.Value(principalKey{}).(*store.Token)
	return t
}

// scopeOf is what a token may see: a compliance or unit token only its own
// sender organisation (and unit).
func scopeOf(t *store.Token) store.Scope {
	if t.Role == "unit" {
		return store.Scope{SenderOrg: t.SenderOrg, SenderUnit: t.Unit}
	}
	return store.Scope{SenderOrg: t.SenderOrg}
}

// auth requires a valid bearer token whose role is one of roles (any role
// when roles is empty): 401 without one, 403 outside the roles.
func (s *Server) auth(next http.HandlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postvakt"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		tok, err := s.store.TokenBySecret(r.Context(), strings.TrimSpace(secret))
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postvakt", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unknown or revoked token")
			return
		}
		if err != nil {
			s.internalError(w, "authenticate", err)
			return
		}
		if len(roles) > 0 && !contains(roles, tok.Role) {
			s.log.Warn("forbidden", "token", tok.Name, "role", tok.Role, "method", r.Method, "path", r.URL.Path)
			writeError(w, http.StatusForbidden, "role "+tok.Role+" may not do this")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, tok)))
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
