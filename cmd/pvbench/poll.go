package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
)

// pollScenario is a simulator world of n SvarUt shipments, all delivered
// (available or opened) before the benchmark starts, without faults.
func pollScenario(n int) string {
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
`, n)
}

func benchPoll(bin, dir string, n int) error {
	scen := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(scen, []byte(pollScenario(n)), 0o644); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	simCmd := exec.CommandContext(ctx, bin, "sim", "--addr", "127.0.0.1:0", "--scenario", scen, "--seed", "1")
	out, err := simCmd.StdoutPipe()
	if err != nil {
		return err
	}
	simCmd.Stderr = io.Discard
	if err := simCmd.Start(); err != nil {
		return err
	}
	defer simCmd.Process.Kill()
	env := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		env[k] = v
		if k == "POSTVAKT_SIM_URL" {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if env["POSTVAKT_SIM_URL"] == "" {
		return fmt.Errorf("the simulator printed no environment")
	}
	keyFile := filepath.Join(dir, "key.pem")
	if b, err := exec.Command("openssl", "genrsa", "2048").Output(); err != nil {
		return fmt.Errorf("make a key with openssl: %w", err)
	} else if err := os.WriteFile(keyFile, b, 0o600); err != nil {
		return err
	}
	env["POSTVAKT_MASKINPORTEN_KEY_FILE"] = keyFile
	db := os.Getenv("DATABASE_URL_POLL")
	if db == "" {
		return fmt.Errorf("DATABASE_URL_POLL is not set")
	}
	env["DATABASE_URL"] = db
	delete(env, "POSTVAKT_ALTINN_URL")
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	csvPath := filepath.Join(dir, "poll.csv")
	if err := download(env["POSTVAKT_SIM_URL"]+"/shipments.csv", csvPath); err != nil {
		return err
	}
	if _, err := runMeasured(bin, envList, "migrate"); err != nil {
		return err
	}
	if _, err := runMeasured(bin, envList, "import", csvPath); err != nil {
		return err
	}
	ids, err := readIDs(csvPath)
	if err != nil {
		return err
	}
	// postvakt: one full cycle, DB claims and writes included.
	m, err := runMeasured(bin, envList, "poll", "--once", "--channel", "svarut")
	if err != nil {
		return err
	}
	pvRate := float64(len(ids)) / m.wall.Seconds()
	// The bare loop: the same requests (status-sok in batches of 500, then
	// the history of every shipment whose status changed, which on a first
	// cycle is every one), with the same concurrency, decoding the answers,
	// writing nothing.
	bare, err := bareLoop(ctx, env, ids, 4, 500)
	if err != nil {
		return err
	}
	bareRate := float64(len(ids)) / bare.Seconds()
	fmt.Printf("poll    %d shipments, one cycle: postvakt %.1f s (%.0f/s, peak RSS %d MB), bare HTTP loop %.1f s (%.0f/s) → %.0f %%   [target ≥ 80 %%]\n",
		len(ids), m.wall.Seconds(), pvRate, m.maxRSS>>20, bare.Seconds(), bareRate, 100*pvRate/bareRate)
	fmt.Printf("        postvakt said: %s", m.stdout)
	return nil
}

func download(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
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

// bareLoop makes postvakt's requests with net/http and nothing else.
func bareLoop(ctx context.Context, env map[string]string, ids []string, workers, batch int) (time.Duration, error) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2}}
	tokenClient, err := httpclient.New(httpclient.Options{Name: "maskinporten"})
	if err != nil {
		return 0, err
	}
	src, err := maskinporten.New(maskinporten.Config{TokenURL: env["POSTVAKT_MASKINPORTEN_URL"],
		ClientID: env["POSTVAKT_MASKINPORTEN_CLIENT_ID"], KeyFile: env["POSTVAKT_MASKINPORTEN_KEY_FILE"], Scope: "ks:fiks"}, tokenClient)
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
				if err := bareBatch(ctx, hc, src, env, base, b); err != nil {
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

func bareBatch(ctx context.Context, hc *http.Client, src *maskinporten.Source, env map[string]string, base string, ids []string) error {
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
