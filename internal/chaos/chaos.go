// Package chaos is postvakt's crash test (`make chaos`, and a short version
// in `make test`): `serve` polls, escalates, reminds and prints against the
// simulator on fast schedules while it is SIGKILLed at random moments and
// restarted, for part of the run as two replicas killed in turn, with a
// PostgreSQL restart in the middle. Afterwards one replica runs undisturbed
// until the work settles, and the simulator's own records (its request log,
// the Notifications orders and print orders it received) and mailpit's
// messages are compared with the database: no reminder e-mail or
// Notifications order twice for the same reminder, no reminder or alert
// e-mail recorded as sent but never received, no health alert's
// transition in two e-mails, no print order twice for one letter, no status the channel reported missing from the evidence
// log, every letter in a valid state.
package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Config is one crash test.
type Config struct {
	Postvakt string // the postvakt binary
	Mailpit  string // the mailpit binary
	PGScript string // scripts/pg.sh
	Work     string // a folder for the cluster, logs and files

	Kills   int // SIGKILLs, at least 1
	Letters int // letters in the simulated world
	Orgs    int // receiving organisations
	// MaxGap bounds the random time a replica runs before a kill.
	MaxGap time.Duration
	// Speed is the simulator's clock speed (simulated seconds per real one).
	Speed float64
	Seed  uint64
	Log   io.Writer // progress lines (nil: none)
}

// pollEvery is how often a letter is polled while the replicas are killed:
// 10 simulated minutes, so the kills meet the status changes of the run
// (the normal waits, 5 minutes and more of the real clock, poll each letter
// once in the whole run: only its first status would ever be recorded
// under the kills). The settling replica polls on the normal waits.
const pollEvery = 5 * time.Second

// Run runs the crash test and returns what it found; the error is for a
// test that could not be run at all.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	w, err := setUp(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer w.close()
	rep, err := w.crash(ctx)
	if err != nil {
		return nil, err
	}
	if err := w.check(ctx, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// world is a crash test's setting: the cluster, mailpit, the simulator,
// the policies, the letters in chunks and serve's environment.
type world struct {
	cfg     Config
	pg      *cluster
	mp      *mailpit
	sm      *simulator
	env     []string
	chunks  []string
	next    int // chunks imported
	started time.Time
	gate    sendGate
}

func (w *world) logf(format string, args ...any) {
	if w.cfg.Log != nil {
		fmt.Fprintf(w.cfg.Log, "chaos: "+format+"\n", args...)
	}
}

func (w *world) close() {
	if w.sm != nil {
		w.sm.close()
	}
	if w.mp != nil {
		w.mp.kill()
	}
	if w.pg != nil {
		w.pg.stop()
	}
}

func setUp(ctx context.Context, cfg Config) (w *world, err error) {
	if cfg.Kills < 1 {
		cfg.Kills = 1
	}
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = 2500 * time.Millisecond
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 120
	}
	w = &world{cfg: cfg, started: time.Now()}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.pg, err = startCluster(cfg.PGScript, filepath.Join(cfg.Work, "pg")); err != nil {
		return nil, err
	}
	if w.mp, err = startMailpit(cfg.Mailpit, cfg.Work); err != nil {
		return nil, err
	}
	// How long the run may take at most: every kill's gap (or its wait
	// for a send), a start and an import each, and the settling.
	runs := time.Duration(cfg.Kills)*(cfg.MaxGap+2*time.Second) + time.Duration(cfg.Kills/3+1)*sendWait + 5*time.Minute
	if w.sm, err = startSim(ctx, cfg.Work, cfg.Letters, cfg.Orgs, cfg.Speed, int64(cfg.Seed), runs); err != nil {
		return nil, err
	}
	policies := filepath.Join(cfg.Work, "policies")
	if err := os.MkdirAll(policies, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(policies, "chaos.yaml"), []byte(chaosPolicy), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(policies, "health.yaml"), []byte(chaosHealth), 0o644); err != nil {
		return nil, err
	}
	w.env = append(os.Environ(), w.sm.env...)
	w.env = append(w.env, "DATABASE_URL="+w.pg.url, "POSTVAKT_POLICIES="+policies, "POSTVAKT_ADDR=127.0.0.1:0",
		"POSTVAKT_LOG_LEVEL=info", "POSTVAKT_SMTP_ADDR="+w.mp.smtp, "POSTVAKT_SMTP_FROM=postvakt@chaos.example",
		"POSTVAKT_POLL_SCHEDULE=@every 1s", "POSTVAKT_POLL_MAX_WAIT="+pollEvery.String(), "POSTVAKT_POLL_LEASE=10s", "POSTVAKT_PRINT_LEASE=10s",
		"POSTVAKT_ESCALATE_SCHEDULE=@every 2s", "POSTVAKT_PRINT_SCHEDULE=@every 2s",
		"POSTVAKT_HEALTH_SCHEDULE=@every 2s", "POSTVAKT_ALERT_EMAIL="+alertsTo, "POSTVAKT_STOP_DRAIN=0s")
	if err := runTool(cfg.Postvakt, w.env, "migrate"); err != nil {
		return nil, err
	}
	// The world comes in chunks, one before each restart, so every replica
	// finds new letters to poll, remind about and print.
	var contacts string
	if w.chunks, contacts, err = w.sm.writeChunks(cfg.Work, cfg.Kills/2+1); err != nil {
		return nil, err
	}
	if err := runTool(cfg.Postvakt, w.env, "contacts", "import", contacts); err != nil {
		return nil, err
	}
	return w, w.importChunk()
}

func (w *world) importChunk() error {
	if w.next >= len(w.chunks) {
		return nil
	}
	w.next++
	return runTool(w.cfg.Postvakt, w.env, "import", w.chunks[w.next-1])
}

// serve starts a replica, with the simulator at an address of its own
// (behind the send gate) and env added to its environment.
func (w *world) serve(env ...string) (*process, error) {
	simEnv, serveSim, err := w.sm.listen()
	if err != nil {
		return nil, err
	}
	env = append(append(slices.Clip(w.env), simEnv...), env...) // the last of a name counts (os/exec)
	p, err := startProcess(w.cfg.Postvakt, env, filepath.Join(w.cfg.Work, "serve.log"), "serve")
	if err != nil {
		serveSim(http.NotFoundHandler()).Close()
		return nil, err
	}
	srv := serveSim(w.gate.wrap(p, w.sm.Handler()))
	go func() {
		<-p.done
		srv.Close()
	}()
	return p, nil
}

// crash kills and restarts serve cfg.Kills times, then lets one replica
// settle the work undisturbed.
func (w *world) crash(ctx context.Context) (*Report, error) {
	cfg := w.cfg
	rng := rand.New(rand.NewPCG(cfg.Seed, 13))
	rep := &Report{Letters: cfg.Letters}
	// Two replicas between 30 % and 60 % of the kills; PostgreSQL restarts
	// at half-time.
	twoFrom, twoTo, pgAt := cfg.Kills*3/10+1, cfg.Kills*6/10, cfg.Kills/2
	var replicas []*process
	vain := 0 // waits for a send in a row that found none
	defer func() {
		for _, p := range replicas {
			p.kill()
		}
	}()
	for kill := 1; kill <= cfg.Kills && ctx.Err() == nil; kill++ {
		want := 1
		if kill >= twoFrom && kill <= twoTo {
			want = 2
		}
		if err := w.importChunk(); err != nil {
			return nil, err
		}
		for len(replicas) < want {
			p, err := w.serve()
			if err != nil {
				return nil, err
			}
			replicas = append(replicas, p)
			rep.Starts++
		}
		for len(replicas) > want {
			rep.kill(replicas[0])
			replicas = replicas[1:]
		}
		// Every third kill lands in a send (sendGate), alternately before
		// the answer reaches the replica and just after; the others come
		// at a random moment.
		var held *heldSend
		gap := time.Duration(rng.Int64N(int64(cfg.MaxGap-200*time.Millisecond))) + 200*time.Millisecond
		if kill%3 == 1 {
			// Once two waits in a row found no send (late in a run the
			// prints and reminders are done), one is waited for only as
			// long as a random kill's gap.
			wait := sendWait
			if vain >= 2 {
				wait = gap
			}
			if held = w.awaitSend(ctx, wait); held == nil {
				rep.KillsNoSend++
				vain++
			} else {
				vain = 0
			}
		} else {
			select {
			case <-time.After(gap):
			case <-ctx.Done():
			}
		}
		i := rng.IntN(len(replicas))
		if held != nil {
			if j := slices.Index(replicas, held.proc); j >= 0 {
				i = j
			} else { // sent by a replica killed just before: no longer a send to land in
				close(held.release)
				held = nil
			}
		}
		switch {
		case held == nil:
			rep.kill(replicas[i])
		case (kill/3)%2 == 0:
			rep.kill(held.proc)
			close(held.release)
			rep.KillsBeforeAnswer++
			w.logf("kill %d: before the answer to %s (%d)", kill, held.what, held.status)
		default:
			close(held.release)
			time.Sleep(time.Duration(rng.Int64N(int64(20 * time.Millisecond))))
			rep.kill(held.proc)
			rep.KillsAfterAnswer++
			w.logf("kill %d: just after the answer to %s (%d)", kill, held.what, held.status)
		}
		replicas = append(replicas[:i], replicas[i+1:]...)
		rep.Kills++
		if want == 2 {
			rep.KillsTwoReplicas++
		}
		if kill == pgAt {
			w.logf("restarting PostgreSQL under the running replicas")
			if err := w.pg.restart(); err != nil {
				return nil, err
			}
			rep.PGRestarts++
			for _, p := range replicas {
				rep.ThroughRestart++
				up := time.Now()
				if !pollsAgain(ctx, p, up, restartWait) {
					rep.StuckAfterRestart++
					rep.problem("a replica that ran through the PostgreSQL restart polled no more in %s: see serve.log", restartWait)
					continue
				}
				w.logf("the replica that ran through it polled again %s after", time.Since(up).Round(100*time.Millisecond))
			}
		}
		if kill%10 == 0 || kill == cfg.Kills {
			w.logf("%d kills (%s)", kill, time.Since(w.started).Round(time.Second))
		}
	}
	for _, p := range replicas {
		rep.kill(p)
	}
	replicas = nil
	for w.next < len(w.chunks) {
		if err := w.importChunk(); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Settle: one replica, undisturbed, until nothing is due.
	w.logf("settling: one replica until every letter is polled and every print due is ordered")
	p, err := w.serve("POSTVAKT_POLL_MAX_WAIT=12h")
	if err != nil {
		return nil, err
	}
	rep.Starts++
	settled, err := settle(ctx, w.pg.url, 3*time.Minute)
	if err != nil {
		p.kill()
		return nil, err
	}
	rep.Unsettled = !settled
	rep.Took = time.Since(w.started)
	if !p.term(30 * time.Second) {
		rep.UncleanStop = true
		rep.problem("the settling replica did not stop cleanly on SIGTERM")
	}
	return rep, nil
}

// restartWait bounds how long a replica that ran through the PostgreSQL
// restart may take to poll again (its poll cycle runs every second).
const restartWait = 30 * time.Second

// pollsAgain waits up to limit for replica p to poll from a cycle begun
// after since (a second later: one begun before may still be asking), and
// reports whether it did. A replica whose connections broke for good in
// the restart would go on running, doing nothing, while the others did
// its work: only this tells.
func pollsAgain(ctx context.Context, p *process, since time.Time, limit time.Duration) bool {
	after := since.Add(time.Second).UnixNano()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline) && ctx.Err() == nil; {
		if p.lastPoll.Load() > after {
			return true
		}
		select {
		case <-p.done:
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

// sendWait bounds how long a kill waits for a send to land in: a
// replica's first print and escalation runs come two seconds after its
// start, and the first of them may have nothing to send.
const sendWait = 8 * time.Second

// awaitSend arms the send gate and waits up to limit for a send; nil when
// none came.
func (w *world) awaitSend(ctx context.Context, limit time.Duration) *heldSend {
	ch := w.gate.arm()
	select {
	case h := <-ch:
		return h
	case <-time.After(limit):
	case <-ctx.Done():
	}
	return w.gate.disarm(ch)
}

// check compares the simulator's and mailpit's records with the database.
func (w *world) check(ctx context.Context, rep *Report) error {
	return check(ctx, rep, w.pg.url, w.sm, w.mp, w.cfg.Speed)
}
