package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"postvakt/internal/store"
)

// benchLists starts `serve` on the large database, logs in as a compliance
// officer through the login form, and times the unopened summary by
// organisation (/unopened) and one organisation's unopened list
// (/list?recipient=…) through HTTP with that session: p95 over many
// requests, audit rows and HTML included.
func (b *bench) benchLists(ctx context.Context, big *bigDB) []figure {
	target := "p95 < 50 ms"
	whatSum := fmt.Sprintf("unopened summary by organisation, %s letters / %s organisations, through HTTP with a logged-in session",
		thousands(big.w.n), thousands(big.w.orgs))
	whatList := "one organisation's unopened list, same"
	whatAPISum := "unopened summary by organisation, same, through the JSON API with a bearer token"
	whatAPIList := "one organisation's letters waiting to be opened, same, through the JSON API with a bearer token"
	fail := func(err error) []figure {
		return []figure{failed(whatSum, target, err), failed(whatList, target, err), failed(whatAPISum, target, err), failed(whatAPIList, target, err)}
	}
	// serve refreshes the summary rollups every minute; do it once now, as
	// it would have by the time anyone looks.
	st, err := store.Open(ctx, big.url, 10*time.Second)
	if err != nil {
		return fail(err)
	}
	err = st.RefreshListSummaries(ctx)
	st.Close()
	if err != nil {
		return fail(fmt.Errorf("refresh the list rollups: %w", err))
	}
	const password = "bench bench bench bench"
	if _, err := b.run("", big.env(), strings.NewReader(password+"\n"), "user", "add", "--name", "bench", "--role", "compliance"); err != nil {
		return fail(err)
	}
	tok, err := b.run("", big.env(), nil, "token", "create", "--name", "bench", "--role", "compliance")
	if err != nil {
		return fail(err)
	}
	token := strings.TrimSpace(tok.stdout)
	addr, err := freeAddr()
	if err != nil {
		return fail(err)
	}
	env := append(big.env(), "POSTVAKT_ADDR="+addr, "POSTVAKT_ESCALATE_SCHEDULE=0 0 1 1 *", "POSTVAKT_STOP_DRAIN=0s")
	srv, out, err := b.start("serve-lists", "", env, "serve")
	if err != nil {
		return fail(err)
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // serve prints nothing needed
	defer srv.stop()
	base := "http://" + addr
	if err := waitHTTP(ctx, base+"/readyz", 60*time.Second); err != nil {
		return fail(err)
	}
	hc, err := login(base, "bench", password)
	if err != nil {
		return fail(err)
	}
	n := 200
	if b.opt.quick {
		n = 100
	}
	org := big.w.orgNumbers[len(big.w.orgNumbers)/2]
	api := &http.Client{Timeout: 30 * time.Second, Transport: bearer{token}}
	var figs []figure
	for _, c := range []struct {
		what, path string
		hc         *http.Client
	}{
		{whatSum, "/unopened", hc},
		{whatList, "/list?list=unopened&recipient=" + org, hc},
		{whatAPISum, "/api/v1/summary", api},
		// The JSON API lists one state at a time; available is the
		// largest share of the unopened.
		{whatAPIList, "/api/v1/shipments?state=available&recipient=" + org, api},
	} {
		p95, err := timeGets(c.hc, base+c.path, n)
		if err != nil {
			figs = append(figs, failed(c.what, target, err))
			continue
		}
		figs = append(figs, figure{What: c.what, Value: "p95 " + ms(p95), Target: target,
			Verdict: verdict(p95 < 50*time.Millisecond, ms(p95-50*time.Millisecond)+" over"),
			Note:    fmt.Sprintf("GET %s, %d requests one after another after 10 to warm up, each audited", c.path, n)})
	}
	return figs
}

// bearer sends every request with the API token.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

var loginCSRF = regexp.MustCompile(`name="login_csrf" value="([^"]+)"`)

// login signs in through the form and returns a client holding the session.
func login(base, name, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := hc.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginCSRF.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no login form at %s/login", base)
	}
	resp, err = hc.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}, "login_csrf": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("log in as %s: %s", name, resp.Status)
	}
	return hc, nil
}

// timeGets GETs u n times (after 10 unmeasured) and returns the p95.
func timeGets(hc *http.Client, u string, n int) (time.Duration, error) {
	var times []time.Duration
	for i := 0; i < n+10; i++ {
		start := time.Now()
		resp, err := hc.Get(u)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/login" {
			return 0, fmt.Errorf("GET %s: %s (at %s)", u, resp.Status, resp.Request.URL.Path)
		}
		if i >= 10 {
			times = append(times, time.Since(start))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)*95/100], nil
}
