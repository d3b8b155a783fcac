package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/unopened", "/unopened"},
		{"/shipments/0190a000-0000-7000-8000-000000000000", "/shipments/0190a000-0000-7000-8000-000000000000"},
		{"/list?list=search&recipient=01017012343", "/list"}, // never a query
		{"", "/"},
		{"unopened", "/"},
		{"//evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\u0085/evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"/https://evil.example/", "/https://evil.example/"}, // a path on this site
		{"javascript:alert(1)", "/"},
		{"/%zz", "/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoginThrottle(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle()
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	kari, addr := throttleKeys("Kari", r)
	if kari != "name:kari" || addr != "addr:192.0.2.7" {
		t.Fatalf("keys %q %q", kari, addr)
	}
	// Four failures are fine; the fifth locks the name for 15 minutes.
	for i := range loginMaxPerName {
		if _, _, ok := th.blocked(t0, kari, addr); ok {
			t.Fatalf("blocked after %d failures", i)
		}
		locked := th.fail(t0.Add(time.Duration(i)*time.Minute), kari, addr)
		if (len(locked) > 0) != (i == loginMaxPerName-1) {
			t.Fatalf("failure %d locked %v", i+1, locked)
		}
	}
	at := t0.Add(5 * time.Minute)
	if until, by, ok := th.blocked(at, kari, addr); !ok || by != "name" || !until.Equal(t0.Add(4*time.Minute+loginLockout)) {
		t.Fatalf("after 5 failures: %v %s %v", until, by, ok)
	}
	if _, _, ok := th.blocked(at, "name:ola", addr); ok {
		t.Fatal("another name from the same address is blocked after 5 failures")
	}
	if _, _, ok := th.blocked(t0.Add(4*time.Minute+loginLockout), kari, addr); ok {
		t.Fatal("still blocked after the lockout")
	}
	// Failures spread beyond the window do not add up.
	th2 := newLoginThrottle()
	for i := range 10 {
		th2.fail(t0.Add(time.Duration(i)*loginWindow/4), "name:ola")
	}
	if _, _, ok := th2.blocked(t0.Add(10*loginWindow/4), "name:ola"); ok {
		t.Fatal("failures out of the window counted")
	}
	// A success forgets the name's failures.
	th2.fail(t0, "name:eva")
	th2.succeed("name:eva")
	if len(th2.keys["name:eva"].failuresOrNil()) != 0 {
		t.Fatal("success did not reset the name")
	}
	// Many names from one address: the address is locked after 20.
	th3 := newLoginThrottle()
	for i := range loginMaxPerAddr {
		th3.fail(t0, "name:u"+string(rune('a'+i)), addr)
	}
	if _, by, ok := th3.blocked(t0, "name:new", addr); !ok || by != "address" {
		t.Fatalf("address not locked after %d failures: %s %v", loginMaxPerAddr, by, ok)
	}
	// Stale keys are swept when there are many.
	th4 := newLoginThrottle()
	for i := range throttleMaxKeys {
		th4.keys["name:"+string(rune(i+1000))] = &throttleEntry{failures: []time.Time{t0}}
	}
	th4.fail(t0.Add(time.Hour), "name:x")
	if len(th4.keys) != 1 {
		t.Fatalf("%d keys after a sweep, want 1", len(th4.keys))
	}
}

// blocked and fail are one login's check and its failure, as the tests
// above count them (begin, then end).
func (t *loginThrottle) blocked(now time.Time, keys ...string) (time.Time, string, bool) {
	until, by, _, ok := t.begin(now, keys...)
	if !ok {
		t.end(now, false, keys...)
	}
	return until, by, ok
}

func (t *loginThrottle) fail(now time.Time, keys ...string) []string {
	t.begin(now, keys...)
	return t.end(now, true, keys...)
}

// TestLoginThrottleCountsAttemptsInFlight: guesses sent at once are not all
// checked before any is counted: the attempts in flight count toward the
// limit, and one that succeeds or fails frees its place.
func TestLoginThrottleCountsAttemptsInFlight(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle()
	for i := range loginMaxPerName {
		if _, _, _, ok := th.begin(t0, "name:kari"); ok {
			t.Fatalf("attempt %d refused with %d in flight", i+1, i)
		}
	}
	if _, by, _, ok := th.begin(t0, "name:kari"); !ok || by != "name" {
		t.Fatalf("attempt %d let through with %d in flight", loginMaxPerName+1, loginMaxPerName)
	}
	th.end(t0, false, "name:kari") // one of them was the right password
	if _, _, _, ok := th.begin(t0, "name:kari"); ok {
		t.Fatal("refused after one attempt in flight ended without a failure")
	}
	for range loginMaxPerName {
		th.end(t0, true, "name:kari")
	}
	if until, _, first, ok := th.begin(t0.Add(time.Minute), "name:kari"); !ok || !first || !until.Equal(t0.Add(loginLockout)) {
		t.Fatalf("after %d failures: %v %v (first %v)", loginMaxPerName, until, ok, first)
	}
	if _, _, first, ok := th.begin(t0.Add(2*time.Minute), "name:kari"); !ok || first {
		t.Fatalf("the second refusal of a lockout: refused %v, first %v (audited once a lockout)", ok, first)
	}
}

func (e *throttleEntry) failuresOrNil() []time.Time {
	if e == nil {
		return nil
	}
	return e.failures
}
