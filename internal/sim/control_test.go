package sim

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRequestLog(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 9, Options{})
	tok := e.token()
	ids := []string{}
	for _, sh := range e.sim.w.shipments {
		if sh.channel == "svarut" && len(ids) < 3 {
			ids = append(ids, sh.id)
		}
	}
	e.sim.ResetRequests()
	e.clock.Advance(time.Hour)
	e.do(e.request(http.MethodPost, "/v2/kontoer/"+e.sim.opts.KontoID+"/forsendelser/status-sok", map[string]any{"forsendelseIds": ids}, e.svarutHeaders(tok)))
	e.do(e.request(http.MethodGet, "/v2/forsendelser/"+ids[0]+"/hendelser", nil, nil)) // 401
	e.do(e.request(http.MethodGet, registerBase+"/enheter/964338531?x=1", nil, nil))
	e.do(e.request(http.MethodGet, "/sim/clock", nil, nil)) // control: not logged

	resp, data := e.do(e.request(http.MethodGet, "/sim/requests", nil, nil))
	recs := decode[[]RequestRecord](t, data)
	if resp.StatusCode != 200 || len(recs) != 3 {
		t.Fatalf("%d: %d records: %s", resp.StatusCode, len(recs), data)
	}
	want := []struct {
		method, path, group, query string
		ids                        []string
		status                     int
	}{
		{"POST", "/v2/kontoer/" + e.sim.opts.KontoID + "/forsendelser/status-sok", "svarut", "", ids, 200},
		{"GET", "/v2/forsendelser/" + ids[0] + "/hendelser", "svarut", "", nil, 401},
		{"GET", registerBase + "/enheter/964338531", "register", "x=1", []string{"964338531"}, 200},
	}
	for i, w := range want {
		r := recs[i]
		if r.Method != w.method || r.Path != w.path || r.Group != w.group || r.Query != w.query || r.Status != w.status ||
			strings.Join(r.IDs, ",") != strings.Join(w.ids, ",") || !r.Time.Equal(testStart.Add(time.Hour)) {
			t.Errorf("record %d: %+v, want %+v", i, r, w)
		}
		if i > 0 && r.Seq != recs[i-1].Seq+1 {
			t.Errorf("sequence numbers %d, %d", recs[i-1].Seq, r.Seq)
		}
	}
	_, data = e.do(e.request(http.MethodGet, "/sim/requests?since="+strconv.FormatInt(recs[1].Seq, 10), nil, nil))
	if got := decode[[]RequestRecord](t, data); len(got) != 1 || got[0].Seq != recs[2].Seq {
		t.Errorf("since: %+v", got)
	}
	if got := e.sim.Requests(); len(got) != 3 {
		t.Errorf("Requests(): %d", len(got))
	}
}

func TestClockControl(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 9, Options{})
	set := func(body any) (int, clockState) {
		resp, data := e.do(e.request(http.MethodPost, "/sim/clock", body, nil))
		if resp.StatusCode != 200 {
			return resp.StatusCode, clockState{}
		}
		return 200, decode[clockState](t, data)
	}
	if code, st := set(map[string]string{"advance": "36h"}); code != 200 || !st.Now.Equal(testStart.Add(36*time.Hour)) {
		t.Fatalf("advance: %d %+v", code, st)
	}
	at := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	if code, st := set(map[string]string{"now": at.Format(time.RFC3339)}); code != 200 || !st.Now.Equal(at) || !st.Start.Equal(testStart) {
		t.Fatalf("now: %d %+v", code, st)
	}
	if code, st := set(map[string]string{"advance": "1d"}); code != 200 || !st.Now.Equal(at.Add(24*time.Hour)) {
		t.Fatalf("advance 1d: %d %+v", code, st)
	}
	for _, bad := range []any{map[string]string{}, map[string]string{"advance": "soon"}, map[string]string{"now": "tomorrow"},
		map[string]string{"now": at.Format(time.RFC3339), "advance": "1h"}} {
		if code, _ := set(bad); code != http.StatusBadRequest {
			t.Errorf("%v: %d", bad, code)
		}
	}
	// The caller's clock keeps driving the simulated time.
	e.clock.Advance(time.Hour)
	if !e.sim.Now().Equal(at.Add(25 * time.Hour)) {
		t.Errorf("after the manual clock moved: %s", e.sim.Now())
	}
	_, data := e.do(e.request(http.MethodGet, "/sim/clock", nil, nil))
	if st := decode[clockState](t, data); !st.Now.Equal(e.sim.Now()) {
		t.Errorf("GET /sim/clock: %+v", st)
	}
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "127.0.0.1:0", "demo", 1, pw)
		pw.Close()
	}()
	envs := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("not KEY=value: %q", sc.Text())
		}
		envs[k] = v
		if k == "POSTVAKT_SIM_URL" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := envs["POSTVAKT_SVARUT_URL"]
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("base URL %q", base)
	}
	for _, k := range []string{"POSTVAKT_SVARUT_KONTO_ID", "POSTVAKT_SVARUT_INTEGRASJON_ID", "POSTVAKT_SVARUT_INTEGRASJON_PASSORD",
		"POSTVAKT_SVARUT_USER", "POSTVAKT_SVARUT_PASSWORD", "POSTVAKT_ALTINN_URL", "POSTVAKT_ALTINN_RESOURCE_ID",
		"POSTVAKT_MASKINPORTEN_CLIENT_ID", "POSTVAKT_NOTIFICATIONS_URL"} {
		if envs[k] == "" {
			t.Errorf("%s empty", k)
		}
	}
	if envs["POSTVAKT_MASKINPORTEN_URL"] != base+"/token" || envs["POSTVAKT_REGISTER_URL"] != base+"/enhetsregisteret/api" || envs["POSTVAKT_PRINT_URL"] != base+"/print" {
		t.Errorf("env %v", envs)
	}
	resp, err := http.Get(envs["POSTVAKT_REGISTER_URL"] + "/enheter/964338531")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("register through Run: %d", resp.StatusCode)
	}
	// The CVR lines reach the CVR search, which knows the demo's Danish sender.
	if envs["POSTVAKT_CVR_URL"] != base+"/cvr-permanent" || envs["POSTVAKT_CVR_USER"] == "" || envs["POSTVAKT_CVR_PASSWORD"] == "" {
		t.Errorf("CVR env %v", envs)
	}
	req, _ := http.NewRequest(http.MethodPost, envs["POSTVAKT_CVR_URL"]+"/virksomhed/_search",
		strings.NewReader(`{"query": {"term": {"Vrvirksomhed.cvrNummer": 64942212}}}`))
	req.SetBasicAuth(envs["POSTVAKT_CVR_USER"], envs["POSTVAKT_CVR_PASSWORD"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Københavns Kommune") {
		t.Errorf("CVR through Run: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestUnitsCSV: /sim/units.csv lists the units of the senders whose letters
// the scenario sends: a Danish-only scenario (copenhagen) lists Københavns
// Kommune's forvaltninger and none of Bergen's, which would otherwise be
// imported into a Denmark-only postvakt as Norwegian units of no letter.
func TestUnitsCSV(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		norwegian   bool
		danishUnits int
	}{
		{"demo", true, 5},
		{"copenhagen", false, 8},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t, loadScenario(t, tc.scenario), 1, Options{})
			resp, data := e.do(e.request(http.MethodGet, "/sim/units.csv", nil, nil))
			if resp.StatusCode != 200 {
				t.Fatalf("%d: %s", resp.StatusCode, data)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			no, dk := 0, 0
			for _, l := range lines[1:] {
				switch {
				case strings.HasPrefix(l, "964338531,"):
					no++
				case strings.HasPrefix(l, "64942212,"):
					dk++
				default:
					t.Errorf("line of another sender: %q", l)
				}
			}
			if (no > 0) != tc.norwegian || dk != tc.danishUnits {
				t.Errorf("%d Norwegian and %d Danish units, want Norwegian %v and %d Danish:\n%s", no, dk, tc.norwegian, tc.danishUnits, data)
			}
		})
	}
}
