package web

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// knownFor is how long a credential the database confirmed is trusted
// without it, while the database cannot be reached.
const knownFor = 15 * time.Minute

// knownCredentials remembers the bearer tokens and sessions the database
// confirmed in the last knownFor, so that while the database cannot be
// reached GET /metrics and GET /ops (outageRoutes, nothing else) still
// answer them: an operator's scrape and page then show the outage
// (postvakt_database_up 0, "database unreachable") instead of failing
// themselves. It is asked only when the database gave no answer; one the
// database refused is forgotten, a logged-out session at once, and every
// one when a token is revoked or a user changed (this replica's; another
// replica's copy ages out in knownFor).
type knownCredentials struct {
	mu sync.Mutex
	m  map[[32]byte]knownCredential
}

type knownCredential struct {
	rq request
	at time.Time
}

func credentialKey(kind, secret string) [32]byte {
	return sha256.Sum256([]byte(kind + "\x00" + secret))
}

func (k *knownCredentials) remember(key [32]byte, rq *request, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[[32]byte]knownCredential{}
	}
	if len(k.m) >= 1000 { // bounded: the stale go first
		for key, c := range k.m {
			if now.Sub(c.at) >= knownFor {
				delete(k.m, key)
			}
		}
	}
	if len(k.m) < 1000 {
		k.m[key] = knownCredential{rq: *rq, at: now}
	}
}

func (k *knownCredentials) recall(key [32]byte, now time.Time) (*request, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.m[key]
	// A session past its end is no credential, whenever it was confirmed.
	if !ok || now.Sub(c.at) >= knownFor || !c.rq.expires.IsZero() && !now.Before(c.rq.expires) {
		return nil, false
	}
	rq := c.rq
	return &rq, true
}

func (k *knownCredentials) forget(key [32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
}

func (k *knownCredentials) forgetAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m = nil
}

// outageRoute: the requests a remembered credential may make while
// the database gives no answer: what tells an operator about the outage.
func outageRoute(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == "/metrics" || r.URL.Path == "/ops")
}
