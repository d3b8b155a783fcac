package web

import (
	"crypto/sha256"
	"sync"
	"time"
)

// knownFor is how long a credential the database confirmed is trusted
// without it, while the database cannot be reached.
const knownFor = 15 * time.Minute

// knownCredentials remembers the bearer tokens and sessions the database
// confirmed in the last knownFor, so that while the database cannot be
// reached /metrics and /ops still answer them: an operator's scrape and
// page then show the outage (postvakt_health_alerts_readable 0, "database
// unreachable") instead of failing themselves. It is asked only when the
// database gave no answer; one the database refused (revoked, logged out,
// expired) is forgotten.
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
	if !ok || now.Sub(c.at) >= knownFor {
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
