package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"
)

// DefaultAddr is where Run listens when given no address.
const DefaultAddr = "127.0.0.1:8090"

// Env returns the environment lines that point postvakt at a simulator
// served at baseURL (e.g. "http://127.0.0.1:8090"), one KEY=value each.
// The Digital Post lines come only with a scenario that has Danish letters;
// the simulator serves Digital Post over plain HTTP, so no certificate is
// named (an https URL would need POSTVAKT_DIGITALPOST_CERT_FILE and _KEY_FILE).
func (s *Sim) Env(baseURL string) []string {
	o := s.opts
	lines := []string{
		"POSTVAKT_SVARUT_URL=" + baseURL,
		"POSTVAKT_SVARUT_KONTO_ID=" + o.KontoID,
		"POSTVAKT_SVARUT_INTEGRASJON_ID=" + o.IntegrasjonID,
		"POSTVAKT_SVARUT_INTEGRASJON_PASSORD=" + o.IntegrasjonPassord,
		"POSTVAKT_SVARUT_USER=" + o.SvarUtUser,
		"POSTVAKT_SVARUT_PASSWORD=" + o.SvarUtPassword,
		"POSTVAKT_ALTINN_URL=" + baseURL,
		"POSTVAKT_ALTINN_RESOURCE_ID=" + o.ResourceID,
		"POSTVAKT_MASKINPORTEN_URL=" + baseURL + "/token",
		"POSTVAKT_MASKINPORTEN_CLIENT_ID=" + o.ClientID,
		"POSTVAKT_MASKINPORTEN_KEY_ID=" + o.KeyID,
		"POSTVAKT_REGISTER_URL=" + baseURL + registerBase,
		"POSTVAKT_CVR_URL=" + baseURL + cvrBase,
		"POSTVAKT_CVR_USER=" + o.CVRUser,
		"POSTVAKT_CVR_PASSWORD=" + o.CVRPassword,
		"POSTVAKT_PRINT_URL=" + baseURL + "/print",
		"POSTVAKT_NOTIFICATIONS_URL=" + baseURL + "/notifications/api/v1",
		"POSTVAKT_PROFILE_URL=" + baseURL + "/profile/api/v1",
		// Notifications and Profile take Altinn tokens only, as in
		// production: postvakt exchanges its Maskinporten tokens here.
		"POSTVAKT_ALTINN_EXCHANGE_URL=" + baseURL,
	}
	if s.dp != nil {
		lines = append(lines,
			"POSTVAKT_DIGITALPOST_URL="+baseURL+dpBase,
			"POSTVAKT_DIGITALPOST_SYSTEM_ID="+o.DigitalPostSystemID,
			"POSTVAKT_DIGITALPOST_API_TOKEN="+o.DigitalPostAPIToken)
	}
	if o.Audience != "" {
		lines = append(lines, "POSTVAKT_MASKINPORTEN_AUDIENCE="+o.Audience)
	}
	return append(lines, "POSTVAKT_SIM_URL="+baseURL+"/sim")
}

// RunConfig configures RunWith.
type RunConfig struct {
	Addr     string  // listen address (DefaultAddr when empty; port 0 picks a free port)
	Scenario string  // shipped scenario name or YAML path
	Seed     int64   // world seed
	Speed    float64 // simulated seconds per real second; 0: the scenario's speed
	// Behind, when set, starts the simulated time this far behind the real
	// time: it catches up at Speed, then keeps to the real time, never
	// ahead of it (NewCatchUpClock). The scenario's relative times count
	// from the real time at the start (Options.Start), so the letters it
	// sends over the last Behind are sent while the clock catches up: a
	// demo (`make run`) shows them sent, delivered and opened one after
	// another. Without it the simulated time starts at the real time (or
	// the scenario's start) and runs ahead.
	Behind  time.Duration
	Out     io.Writer // where the environment lines go (nil: discarded)
	Options Options   // credentials and knobs
	// KeyDir, when set, holds the Maskinporten client key the token
	// endpoint accepts (dir/maskinporten.pem, made when missing, kept when
	// there): grants must be signed with it, and the environment lines
	// name it (POSTVAKT_MASKINPORTEN_KEY_FILE).
	KeyDir string
}

// Run loads the scenario (a shipped name or a YAML path), starts a
// simulator on the real clock sped up by the scenario's speed, listens on
// addr (DefaultAddr when empty; port 0 picks a free port), writes the
// environment lines for postvakt to out, and serves until ctx is done.
func Run(ctx context.Context, addr, scenario string, seed int64, out io.Writer) error {
	return RunWith(ctx, RunConfig{Addr: addr, Scenario: scenario, Seed: seed, Out: out})
}

// RunWith is Run with every knob.
func RunWith(ctx context.Context, cfg RunConfig) error {
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	sc, err := Load(cfg.Scenario)
	if err != nil {
		return err
	}
	speed := sc.Speed
	if cfg.Speed > 0 {
		speed = cfg.Speed
	}
	opts := cfg.Options
	var keyFile string
	if cfg.KeyDir != "" {
		if keyFile, opts.ClientPublicKeyPEM, err = KeepClientKey(cfg.KeyDir); err != nil {
			return fmt.Errorf("simulator: %w", err)
		}
		if keyFile, err = filepath.Abs(keyFile); err != nil {
			return fmt.Errorf("simulator: %w", err)
		}
	}
	clock := NewSpeedClock(speed)
	if cfg.Behind > 0 {
		clock = NewCatchUpClock(speed, cfg.Behind)
		if !sc.Start.set {
			opts.Start = time.Now().Truncate(time.Second)
		}
	}
	s, err := New(sc, cfg.Seed, clock, opts)
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	lines := s.Env(base)
	if keyFile != "" {
		lines = append(lines, "POSTVAKT_MASKINPORTEN_KEY_FILE="+keyFile)
	}
	for _, line := range lines {
		if _, err := fmt.Fprintln(out, line); err != nil {
			_ = ln.Close()
			return fmt.Errorf("simulator: write environment: %w", err)
		}
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.logger.Info("simulator listening", "url", base, "scenario", sc.Name, "seed", cfg.Seed, "speed", speed, "behind", cfg.Behind)
	select {
	case err := <-errc:
		return fmt.Errorf("simulator: serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("simulator: shut down: %w", err)
	}
	return nil
}
