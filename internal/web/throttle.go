package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The failed-login throttle: after loginMaxPerName failed logins for one
// user name, or loginMaxPerAddr from one client address, within
// loginWindow, logins for that name (from that address) are refused for
// loginLockout without looking at the password. The address limit is higher
// because many users may share one address (a NAT, or the proxy in front of
// postvakt, whose address is the one seen). The counts are kept in memory,
// per process: a restart forgets them, and each replica counts its own.
const (
	loginWindow      = 15 * time.Minute
	loginLockout     = 15 * time.Minute
	loginMaxPerName  = 5
	loginMaxPerAddr  = 20
	throttleMaxKeys  = 10000 // above this many keys, stale ones are swept
	throttleMaxNameB = 200   // a longer user name is counted by its prefix
)

// loginThrottle counts failed logins by key ("name:…", "addr:…").
type loginThrottle struct {
	mu    sync.Mutex
	keys  map[string]*throttleEntry
	swept time.Time // the last sweep: stale keys (user names) do not outlive the window by long
}

type throttleEntry struct {
	failures []time.Time // within the window, oldest first
	until    time.Time   // refused before this
	pending  int         // attempts whose password is being checked
	told     bool        // a refused attempt of this lockout was audited
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{keys: map[string]*throttleEntry{}}
}

// throttleKeys are the keys of a login attempt: the user name (case folded)
// and the client address.
func throttleKeys(name string, r *http.Request) (nameKey, addrKey string) {
	name = strings.ToLower(name)
	if len(name) > throttleMaxNameB {
		name = name[:throttleMaxNameB]
	}
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	return "name:" + name, "addr:" + addr
}

// throttleLimit is how many failures a key may have within the window.
func throttleLimit(key string) int {
	if strings.HasPrefix(key, "addr:") {
		return loginMaxPerAddr
	}
	return loginMaxPerName
}

// throttleKind names a key's kind for the log: "name" or "address".
func throttleKind(key string) string {
	if strings.HasPrefix(key, "addr:") {
		return "address"
	}
	return "name"
}

// begin starts a login attempt for keys, in one step with the check that
// none of them is refused: a key is refused while locked, and while its
// recent failures and the attempts in flight reach its limit (so guesses
// sent at once are not all checked before any is counted). It says until
// when and by which kind of key when refused (first: the first refusal of
// this lockout, the one to audit); otherwise the attempt is in flight until
// end.
func (t *loginThrottle) begin(now time.Time, keys ...string) (until time.Time, by string, first, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > loginWindow || len(t.keys) >= throttleMaxKeys {
		t.sweep(now)
	}
	for _, k := range keys {
		e := t.keys[k]
		if e == nil {
			continue
		}
		if e.failures = recent(e.failures, now); len(e.failures)+e.pending >= throttleLimit(k) && !now.Before(e.until) {
			// Attempts in flight may yet lock it: a little later.
			if w := now.Add(time.Second); w.After(until) {
				until, by, ok = w, throttleKind(k), true
			}
		}
		if now.Before(e.until) {
			first = first || !e.told
			e.told = true
			if e.until.After(until) {
				until, by, ok = e.until, throttleKind(k), true
			}
		}
	}
	if ok {
		return until, by, first, true
	}
	for _, k := range keys {
		e := t.keys[k]
		if e == nil {
			e = &throttleEntry{}
			t.keys[k] = e
		}
		e.pending++
	}
	return time.Time{}, "", false, false
}

// end ends an attempt begun for keys; a failed one is counted for each key.
// It returns the kinds of the keys refused from now on.
func (t *loginThrottle) end(now time.Time, failed bool, keys ...string) (locked []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		e := t.keys[k]
		if e == nil { // swept meanwhile: cannot be, pending keeps it
			e = &throttleEntry{}
			t.keys[k] = e
		}
		e.pending = max(e.pending-1, 0)
		if !failed {
			continue
		}
		e.failures = recent(e.failures, now)
		e.failures = append(e.failures, now)
		if len(e.failures) >= throttleLimit(k) {
			e.until, e.failures, e.told = now.Add(loginLockout), nil, false
			locked = append(locked, throttleKind(k))
		}
	}
	return locked
}

// succeed forgets the failures of a key (the user name after a successful
// login; never the address, which an attacker with one account of their own
// could otherwise reset).
func (t *loginThrottle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// sweep drops keys that are neither refused nor have a recent failure: a
// login attempt's user name and address expire with the window.
func (t *loginThrottle) sweep(now time.Time) {
	t.swept = now
	for k, e := range t.keys {
		if e.failures = recent(e.failures, now); len(e.failures) == 0 && e.pending == 0 && !now.Before(e.until) {
			delete(t.keys, k)
		}
	}
}

// recent drops the failures that are out of the window.
func recent(failures []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(failures) && !failures[i].After(now.Add(-loginWindow)) {
		i++
	}
	return failures[i:]
}
