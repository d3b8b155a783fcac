package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
)

// pollScenario is a simulator world of n SvarUt shipments, all delivered
// (available or opened) before the benchmark starts, without faults.
func pollScenario(n int, latency time.Duration) string {
	faults := ""
	if latency > 0 {
		// Every SvarUt answer takes this long, like a remote API.
		faults = fmt.Sprintf("faults:\n  svarut:\n    slow: 1\n    slow_delay: %dms\n", latency.Milliseconds())
	}
	return fmt.Sprintf(`name: bench
description: poll benchmark
speed: 1
organisations:
  count: 2000
  open: {chance: 0.5, delay: {min: 1h, max: 2d}}
shipments:
  count: %d
  sent_from: -3d
  sent_to: -2d
  channels: {svarut: 1}
  confidential_share: 1
delivery:
  accept_delay: {min: 1m, max: 5m}
  available_delay: {min: 5m, max: 30m}
%s`, n, faults)
}

// benchPoll runs one poll cycle over n open SvarUt letters against the
// simulator (`postvakt poll --once`, claims and writes included) and then a
// bare HTTP loop making the same requests, and compares their throughput.
func (b *bench) benchPoll(ctx context.Context) []figure {
	n := b.size.poll
	what := fmt.Sprintf("poll cycle, %s SvarUt letters", thousands(n))
	target := "≥ 80 % of the bare loop's throughput"
	s, csvPath, err := b.simulate("poll", pollScenario(n, 0), 0)
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	defer s.stop()
	db, err := b.createDB(ctx, "bench_poll")
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	env := append(s.svarutEnv(db), "POSTVAKT_LOG_LEVEL=warn")
	if _, err := b.run("", env, nil, "migrate"); err != nil {
		return []figure{failed(what, target, err)}
	}
	if _, err := b.run("", env, nil, "import", csvPath); err != nil {
		return []figure{failed(what, target, err)}
	}
	ids, err := readIDs(csvPath)
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	pg0 := pgCPU(b.opt.pg)
	m, err := b.run("poll", env, nil, "poll", "--once", "--channel", "svarut")
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	cpu := b.cpuNote(m, pgCPU(b.opt.pg)-pg0, len(ids), "letters")
	// The bare loop: the same requests (status-sok in batches of 500, then
	// the history of every letter whose status changed, which on a first
	// cycle is every one), with the same concurrency, decoding the answers,
	// writing nothing.
	bare, err := bareLoop(ctx, s.env, ids, 4, 500, true)
	if err != nil {
		return []figure{failed(what, target, fmt.Errorf("bare loop: %w", err))}
	}
	return []figure{lettersAgainstLoop(what, target, len(ids), m.wall, bare,
		fmt.Sprintf("`postvakt poll --once` as a process (%s; peak RSS %d MB; %s) against the simulator on loopback; "+
			"the bare loop makes the same status-sok (500 ids) and history requests with 4 workers and writes nothing",
			strings.TrimSpace(m.stdout), m.maxRSS>>20, cpu)), b.pollAgain(ctx, s.env, env, db, target)}
}

// pollAgain measures the usual cycle: the letters still open asked about
// again, with nothing new since the first cycle (status-sok, no history,
// no evidence: each letter's next poll is all that is written), against a
// bare loop making the same status-sok requests.
func (b *bench) pollAgain(ctx context.Context, simEnv map[string]string, env []string, dbURL, target string) figure {
	what := "poll cycle again, the open SvarUt letters with nothing new (the usual cycle)"
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return failed(what, target, err)
	}
	defer db.Close()
	// Due now: their next poll moved to a minute ago, as the time between
	// two polls would.
	rows, err := db.QueryContext(ctx, `UPDATE poll_queue q SET next_poll_at = now() - interval '1 minute'
		FROM shipments s WHERE s.id = q.shipment_id AND q.channel = 'svarut' AND q.next_poll_at IS NOT NULL
		RETURNING s.channel_id`)
	if err != nil {
		return failed(what, target, fmt.Errorf("make the open letters due: %w", err))
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return failed(what, target, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return failed(what, target, err)
	}
	if len(ids) == 0 {
		return failed(what, target, fmt.Errorf("no letter left open after the first cycle"))
	}
	pg0 := pgCPU(b.opt.pg)
	m, err := b.run("poll-again", env, nil, "poll", "--once", "--channel", "svarut")
	if err != nil {
		return failed(what, target, err)
	}
	cpu := b.cpuNote(m, pgCPU(b.opt.pg)-pg0, len(ids), "letters")
	bare, err := bareLoop(ctx, simEnv, ids, 4, 500, false)
	if err != nil {
		return failed(what, target, fmt.Errorf("bare loop: %w", err))
	}
	return lettersAgainstLoop(what, target, len(ids), m.wall, bare,
		fmt.Sprintf("`postvakt poll --once` again right after the first cycle, the %s letters still open made due (%s; peak RSS %d MB; %s); "+
			"the bare loop makes the same status-sok requests (500 ids) with 4 workers, no history (a letter the simulator moved meanwhile costs postvakt one), and writes nothing",
			thousands(len(ids)), strings.TrimSpace(m.stdout), m.maxRSS>>20, cpu))
}

// lettersAgainstLoop is the row of a poll cycle over n letters that took
// wall, against a bare loop that made the same requests in bare.
func lettersAgainstLoop(what, target string, n int, wall, bare time.Duration, note string) figure {
	pvRate, bareRate := float64(n)/wall.Seconds(), float64(n)/bare.Seconds()
	return figure{What: what, Value: fmt.Sprintf("%s (%.0f letters/s)", secs(wall), pvRate),
		Anchor: fmt.Sprintf("bare HTTP loop %s (%.0f/s)", secs(bare), bareRate), Target: target, Note: note}.againstLoop(pvRate / bareRate)
}

func readIDs(csvPath string) ([]string, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ",", 3)
		if len(parts) >= 2 {
			ids = append(ids, parts[1])
		}
	}
	return ids, sc.Err()
}

// bareLoop makes postvakt's requests with net/http and nothing else: a
// status-sok per batch and, with histories, the history of every letter
// it answers about.
func bareLoop(ctx context.Context, env map[string]string, ids []string, workers, batch int, histories bool) (time.Duration, error) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2}}
	tokenClient, err := httpclient.New(httpclient.Options{Name: "maskinporten"})
	if err != nil {
		return 0, err
	}
	src, err := maskinporten.New(maskinporten.Config{TokenURL: env["POSTVAKT_MASKINPORTEN_URL"],
		ClientID: env["POSTVAKT_MASKINPORTEN_CLIENT_ID"], KeyFile: env["POSTVAKT_MASKINPORTEN_KEY_FILE"],
		KeyID: env["POSTVAKT_MASKINPORTEN_KEY_ID"], Scope: "ks:fiks"}, tokenClient)
	if err != nil {
		return 0, err
	}
	base := env["POSTVAKT_SVARUT_URL"]
	jobs := make(chan []string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if err := bareBatch(ctx, hc, src, env, base, b, histories); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < len(ids); i += batch {
		j := i + batch
		if j > len(ids) {
			j = len(ids)
		}
		jobs <- ids[i:j]
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return time.Since(start), nil
}

func bareBatch(ctx context.Context, hc *http.Client, src *maskinporten.Source, env map[string]string, base string, ids []string, histories bool) error {
	tok, err := src.Token(ctx)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"forsendelseIds": ids})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v2/kontoer/"+env["POSTVAKT_SVARUT_KONTO_ID"]+"/forsendelser/status-sok", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	setAuth(req, tok, env)
	var answer struct {
		Statuser []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"statuser"`
	}
	if err := do(hc, req, &answer); err != nil {
		return err
	}
	if !histories {
		return nil
	}
	for _, s := range answer.Statuser {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v2/forsendelser/"+s.ID+"/hendelser", nil)
		setAuth(req, tok, env)
		var hist json.RawMessage
		if err := do(hc, req, &hist); err != nil {
			return err
		}
	}
	return nil
}

func setAuth(req *http.Request, tok string, env map[string]string) {
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("IntegrasjonId", env["POSTVAKT_SVARUT_INTEGRASJON_ID"])
	req.Header.Set("IntegrasjonPassord", env["POSTVAKT_SVARUT_INTEGRASJON_PASSORD"])
}

func do(hc *http.Client, req *http.Request, into any) error {
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
