package sim

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// faultScenario is a small world with known fault rates on the register.
func faultScenario(t *testing.T) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(`
name: fault-rates
organisations: {count: 5}
shipments: {count: 20}
faults:
  register:
    server_error: 0.10
    rate_limit: 0.08
    retry_after: 3s
    html_error: 0.05
    malformed: 0.05
    slow: 0.04
    slow_delay: 2s
    outages:
      - {at: 2h, duration: 30m, every: 24h}
`))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestFaultRates(t *testing.T) {
	var slept atomic.Int64
	sleep := func(_ context.Context, d time.Duration) { slept.Add(int64(d)) }
	e := newEnv(t, faultScenario(t), 8, Options{Sleep: sleep})
	path := registerBase + "/enheter/" + e.sim.w.sender.nr
	const n = 3000
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		resp, data := e.do(e.request(http.MethodGet, path, nil, nil))
		ct := resp.Header.Get("Content-Type")
		switch {
		case resp.StatusCode == 429:
			counts["429"]++
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra != 3 {
				t.Fatalf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
		case resp.StatusCode == 502 && strings.HasPrefix(ct, "text/html"):
			counts["html"]++
		case resp.StatusCode == 500 || resp.StatusCode == 503:
			counts["5xx"]++
			if !json.Valid(data) {
				t.Fatalf("5xx body is not JSON: %s", data)
			}
		case resp.StatusCode == 200 && !json.Valid(data):
			counts["malformed"]++
			if !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("malformed answer with content type %q", ct)
			}
		case resp.StatusCode == 200:
			counts["ok"]++
		default:
			t.Fatalf("unexpected %d %s", resp.StatusCode, data)
		}
	}
	want := map[string]float64{"5xx": 0.10, "429": 0.08, "html": 0.05, "malformed": 0.05, "ok": 0.72}
	for k, p := range want {
		got := float64(counts[k]) / n
		// Binomial: four standard deviations.
		if tol := 4 * math.Sqrt(p*(1-p)/n); math.Abs(got-p) > tol {
			t.Errorf("%s: rate %.3f, want %.2f ± %.3f", k, got, p, tol)
		}
	}
	slow := float64(slept.Load()) / float64(2*time.Second) / n
	if math.Abs(slow-0.04) > 4*math.Sqrt(0.04*0.96/n) {
		t.Errorf("slow rate %.3f, want 0.04", slow)
	}
	faulted := 0
	for _, r := range e.sim.Requests() {
		if r.Fault != "" {
			faulted++
		}
	}
	if faulted < n/5 {
		t.Errorf("only %d requests logged with a fault", faulted)
	}
	// Other groups are untouched.
	tok := e.token()
	for i := 0; i < 50; i++ {
		if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer(tok))); resp.StatusCode != 200 {
			t.Fatalf("altinn faulted: %d", resp.StatusCode)
		}
	}
}

func TestFaultOutageWindowAndDeterminism(t *testing.T) {
	sleep := func(context.Context, time.Duration) {}
	run := func(seed int64) []int {
		e := newEnv(t, faultScenario(t), seed, Options{Sleep: sleep})
		path := registerBase + "/enheter/" + e.sim.w.sender.nr
		var codes []int
		for i := 0; i < 200; i++ {
			resp, _ := e.do(e.request(http.MethodGet, path, nil, nil))
			codes = append(codes, resp.StatusCode)
		}
		// Inside the outage window (2h after the start, 30 min; daily) every
		// request fails with 503; after it they recover.
		for _, at := range []time.Duration{2*time.Hour + time.Minute, 26*time.Hour + 29*time.Minute} {
			e.sim.SetNow(testStart.Add(at))
			for i := 0; i < 20; i++ {
				if resp, _ := e.do(e.request(http.MethodGet, path, nil, nil)); resp.StatusCode != 503 {
					t.Fatalf("in the outage at +%s: %d", at, resp.StatusCode)
				}
			}
		}
		e.sim.SetNow(testStart.Add(2*time.Hour + 31*time.Minute))
		ok := 0
		for i := 0; i < 20; i++ {
			if resp, _ := e.do(e.request(http.MethodGet, path, nil, nil)); resp.StatusCode == 200 {
				ok++
			}
		}
		if ok == 0 {
			t.Fatal("no recovery after the outage")
		}
		return codes
	}
	a, b, c := run(5), run(5), run(6)
	if !equalInts(a, b) {
		t.Error("same seed, different fault sequence")
	}
	if equalInts(a, c) {
		t.Error("different seeds, same fault sequence")
	}
}

func TestNoFaultsOption(t *testing.T) {
	e := newEnv(t, loadScenario(t, "faults"), 1, Options{NoFaults: true})
	tok := e.token()
	for i := 0; i < 100; i++ {
		if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer(tok))); resp.StatusCode != 200 {
			t.Fatalf("NoFaults still faulted: %d", resp.StatusCode)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
