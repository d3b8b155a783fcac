package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/registered" // every channel postvakt is built with
	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/maskinporten"
	"postvakt/internal/notice"
	"postvakt/internal/policy"
	"postvakt/internal/printing"
	"postvakt/internal/register"
	"postvakt/internal/remind"
	"postvakt/internal/store"
	"postvakt/migrations"
)

// app is what every subcommand builds on: the configuration and logger,
// and, as the command needs them, the policies, the store, the channels and
// the services. It is the one place where postvakt is wired together.
type app struct {
	cfg    config.Config
	log    *slog.Logger
	reg    *prometheus.Registry // nil unless withMetrics
	set    *policy.Set
	st     *store.Store
	tokens *maskinporten.Tokens
	brreg  *httpclient.Client // Enhetsregisteret's client, shared by print and names (registerClient)
	// With withMigrate: how many migrations open applied, and the
	// database's schema version after them.
	migrated int
	schema   int64
}

// unknownZone returns TZ when it names a zone Go could not load (a name
// misspelt, a POSIX rule such as CET-1CEST,M3.5.0,M10.5.0/3, which Go does
// not read): the process's clock, which the schedules' times are read in,
// is then UTC, silently.
func unknownZone() (string, bool) {
	tz, ok := os.LookupEnv("TZ")
	name := strings.TrimPrefix(tz, ":")
	if !ok || name == "" || name == "UTC" {
		return "", false
	}
	return tz, time.Local.String() == "UTC"
}

// warnEnvironment says what of the environment is ignored, at every
// command's start (open, policy check), as the README's Configuration
// says: a variable misspelt (POSTVAKT_POLL_SHEDULE) leaves its setting at
// the default, and a TZ Go cannot load leaves the schedules' clock in UTC.
func warnEnvironment(log *slog.Logger) {
	for _, u := range config.EnvUnknowns(config.Describe(channel.Sections()...)) {
		if u.Nearest != "" {
			log.Warn("an environment variable postvakt does not read: ignored, its setting is at its default", "variable", u.Name, "did_you_mean", u.Nearest)
		} else {
			log.Warn("an environment variable postvakt does not read: ignored", "variable", u.Name)
		}
	}
	if tz, ok := unknownZone(); ok {
		log.Warn("TZ names no time zone postvakt knows: the schedules' clock times are in UTC (give a zone's name, e.g. TZ=Europe/Oslo)", "TZ", tz)
	}
}

// needs says what a command needs opened.
type needs uint8

const (
	withPolicies    needs = 1 << iota // the policy folder, loaded and valid
	withStore                         // the database
	withMigrate                       // the database, migrated first
	withMetrics                       // a Prometheus registry every client reports to
	withSchedule                      // new letters get their first escalation step's time (scheduleRegistrations)
	printMigrations                   // with withMigrate: each migration applied is a line on stderr (migrate), not a log record
)

// open builds the app for a command.
func open(ctx context.Context, cfg config.Config, n needs) (*app, error) {
	log, err := cfg.Logger()
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log}
	warnEnvironment(log)
	var reg prometheus.Registerer
	if n&withMetrics != 0 {
		a.reg = prometheus.NewRegistry()
		a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = a.reg
	}
	a.tokens = maskinporten.FromConfig(cfg, log, reg)
	if m := cfg.Maskinporten; m.URL != "" {
		// Read at start, as the other secret files are: otherwise the
		// first channel to ask for a token says "reading key file" without
		// the variable that names it.
		if _, err := maskinporten.ReadKeyFile(m.KeyFile); err != nil {
			return nil, fmt.Errorf("the configuration is not valid: POSTVAKT_MASKINPORTEN_KEY_FILE: %w", err)
		}
	}
	if n&withPolicies != 0 {
		if a.set, err = loadPolicies(cfg.Policies); err != nil {
			return nil, err
		}
	}
	if n&(withStore|withMigrate) != 0 {
		if err := cfg.NeedDatabase(); err != nil {
			return nil, err
		}
		const wait = 30 * time.Second
		if a.st, err = store.OpenWaiting(ctx, cfg.DatabaseURL, wait, func(reason error) {
			log.Warn("the database does not answer; waiting for it", "wait", wait, "error", reason)
		}); err != nil {
			return nil, err
		}
		if a.reg != nil {
			// The pool: connections in use and idle, waits for one (a pool
			// held by jobs stuck behind a lock shows here first).
			a.reg.MustRegister(collectors.NewDBStatsCollector(a.st.DB().DB, "postvakt"))
		}
		// The newest migration this binary carries: the database must have
		// it, and must not need a newer binary (store.CheckSchema).
		known, err := migrations.Latest()
		if err != nil {
			a.st.Close()
			return nil, err
		}
		if n&withMigrate != 0 {
			// A binary older than the database needs does not migrate it:
			// it refuses before it waits for the migration lock behind a
			// newer release's migrate.
			var old *store.TooOldError
			if _, err := a.st.CheckSchema(ctx, known); errors.As(err, &old) {
				a.st.Close()
				return nil, err
			}
			progress := a.logMigrations()
			if n&printMigrations != 0 {
				progress = printProgress(os.Stderr)
			}
			if a.migrated, err = a.st.Migrate(ctx, progress); err != nil {
				a.st.Close()
				return nil, err
			}
		}
		// Every other command needs the schema this binary knows: on a
		// fresh or older database it says to migrate rather than fail on
		// the first missing table; on one a newer release made
		// incompatible (its compatible_from above known) it refuses. A
		// newer but compatible one (a release rolled back after it
		// migrated) is said once.
		applied, err := a.st.CheckSchema(ctx, known)
		if err != nil {
			a.st.Close()
			return nil, err
		}
		a.schema = applied
		if applied > known {
			log.Warn("the database schema is newer than this postvakt knows: a newer release migrated it; run that release",
				"schema", applied, "known", known)
		}
		if n&withSchedule != 0 {
			a.scheduleRegistrations()
		}
	}
	return a, nil
}

// scheduleRegistrations makes registrations store each new letter's first
// escalation step's time (store.ScheduleRegistrations), so the escalation
// run does not look at a freshly imported letter before its step can come
// due. The policies are those loaded, or for a command that does not need
// them (import) those in POSTVAKT_POLICIES if they load cleanly; without
// them the next run looks at the new letters, which is only slower.
func (a *app) scheduleRegistrations() {
	set := a.set
	if set == nil {
		s, problems := policy.LoadDir(a.cfg.Policies)
		if len(problems) > 0 {
			a.log.Info("policies not loaded: the next escalation run looks at the new letters", "policies", a.cfg.Policies)
			return
		}
		set = s
	}
	a.st.ScheduleRegistrations(set.Fingerprint(), escalate.FirstStep(set))
}

// Close closes the store.
func (a *app) Close() {
	if a.st != nil {
		a.st.Close()
	}
}

// registerer is the metrics registry, or nil (an untyped nil: clients
// check for one).
func (a *app) registerer() prometheus.Registerer {
	if a.reg == nil {
		return nil
	}
	return a.reg
}

// channels opens every configured channel.
func (a *app) channels() ([]channel.Adapter, error) {
	return channel.Open(a.cfg, channel.Deps{Log: a.log, Registerer: a.registerer(), Tokens: a.tokens})
}

// client builds an outbound HTTP client with the shared retry, breaker and
// metrics.
func (a *app) client(name, base string, secrets ...string) (*httpclient.Client, error) {
	hc, err := httpclient.New(httpclient.Options{Name: name, BaseURL: base, Logger: a.log, Registerer: a.registerer(), Secrets: secrets})
	if err != nil {
		return nil, fmt.Errorf("%s client: %w", name, err)
	}
	return hc, nil
}

// smtpNeed is what an escalation run needs of the SMTP relay.
type smtpNeed int

const (
	waitSMTP smtpNeed = iota // reminders wait for a relay (serve)
	needSMTP                 // no relay is an error (escalate --once)
	dryRun                   // nothing is sent (escalate --once --dry-run)
)

// escalator wires an escalation run. Without an SMTP server it still
// decides and marks print due; reminders are then recorded as failed and go
// out once a server is set (said in the log), unless needSMTP, which makes
// that an error. A dry run (dryRun) sends nothing and needs no server.
// With Altinn Profile, organisations without imported addresses are looked
// up there; with Altinn Notifications, every reminder is also ordered there.
func (a *app) escalator(smtp smtpNeed) (*escalate.Escalator, error) {
	sc := a.cfg.SMTP
	var sender remind.Sender
	if sc.Addr != "" || smtp == needSMTP {
		s, err := remind.NewSMTP(a.smtpConfig())
		if err != nil {
			return nil, fmt.Errorf("reminders need an SMTP server: %w", err)
		}
		sender = s
	} else if smtp != dryRun {
		a.log.Warn("POSTVAKT_SMTP_ADDR is not set: reminders are not sent (recorded as failed, sent once it is set)")
	}
	r := &remind.Reminder{Log: a.st, Sender: sender, From: sc.From, Logger: a.log}
	esc := &escalate.Escalator{Store: a.st, Policies: a.set, Remind: r, Logger: a.log}
	alt := a.cfg.Altinn
	if alt.ProfileURL == "" && alt.NotificationsURL == "" {
		return esc, nil
	}
	// Each service gets its own token with its own scopes (remind.ProfileScope,
	// remind.NotificationsScope), so a client not granted one scope still
	// gets the other service.
	if alt.ProfileURL != "" {
		hc, tokens, err := a.altinnService("altinn-profile", alt.ProfileURL, remind.ProfileScope)
		if err != nil {
			return nil, err
		}
		esc.Addresses = &remind.Resolver{Book: a.st, Profile: &remind.Profile{HTTP: hc, Tokens: tokens}, Logger: a.log}
	}
	if alt.NotificationsURL != "" {
		hc, tokens, err := a.altinnService("altinn-notifications", alt.NotificationsURL, remind.NotificationsScope)
		if err != nil {
			return nil, err
		}
		r.Orders = &remind.Orders{Log: a.st, Notifier: &remind.Notifier{HTTP: hc, Tokens: tokens}, ResourceID: alt.ResourceID}
	}
	return esc, nil
}

// previewOver is esc as the UI's preview of the next run (web.WithPreview)
// runs it: the same policies, reminders and address lookups, every
// database read through st (the requests' store, whose statements the
// database ends after POSTVAKT_STATEMENT_TIMEOUT) instead of the jobs'
// store, which has no bound. A preview is a dry run: it sends, orders and
// records nothing.
func previewOver(esc *escalate.Escalator, st *store.Store) *escalate.Escalator {
	p := *esc
	p.Store = st
	if r, ok := esc.Remind.(*remind.Reminder); ok {
		rr := *r
		rr.Log = st
		if r.Orders != nil {
			o := *r.Orders
			o.Log = st
			rr.Orders = &o
		}
		p.Remind = &rr
	}
	if res, ok := esc.Addresses.(*remind.Resolver); ok {
		rr := *res
		rr.Book = st
		p.Addresses = &rr
	}
	return &p
}

// health wires the health evaluation: the rules of the policy folder's
// health.yaml (defaults without it), alerts e-mailed through the SMTP relay
// to POSTVAKT_ALERT_EMAIL and the rules' own to:, and posted to
// POSTVAKT_ALERT_WEBHOOK_URL. chans are the opened channels: the rule
// certificate_expiring reads the client certificates of those that present
// one; print_provider_silent watches the print provider of
// POSTVAKT_PRINT_URL, when set.
func (a *app) health(chans []channel.Adapter) (*health.Evaluator, error) {
	rules, problems := policy.LoadHealth(a.cfg.Policies)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p.String())
		}
		return nil, fmt.Errorf("%d problem(s) in the health rules in %s; not starting", len(problems), policiesNamed(a.cfg.Policies))
	}
	hc := a.cfg.Health
	n := &health.Notifier{Store: a.st, From: a.cfg.SMTP.From, Emails: hc.Emails, BaseURL: a.cfg.PublicURL, Logger: a.log,
		Outcomes: health.NoticeOutcomes(a.registerer())}
	if a.cfg.SMTP.Addr != "" {
		s, err := remind.NewSMTP(a.smtpConfig())
		if err != nil {
			return nil, fmt.Errorf("health alerts need an SMTP server: %w", err)
		}
		n.Mail = s
	}
	if hc.WebhookURL != "" {
		// No retries inside one send: a retried POST the receiver took
		// would be a second alert; the next evaluation sends a failed one.
		client, err := httpclient.New(httpclient.Options{Name: "alert-webhook", Logger: a.log, Registerer: a.registerer(),
			MaxRetries: -1, Timeout: 15 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("alert webhook client: %w", err)
		}
		n.Webhook = &health.Webhook{HTTP: client, URL: hc.WebhookURL}
	}
	ev := &health.Evaluator{Store: a.st, Config: rules, Notifier: n, Logger: a.log}
	if a.cfg.Print.URL != "" {
		// print_provider_silent names the provider by its host: never its
		// path, query or credentials.
		if u, err := url.Parse(a.cfg.Print.URL); err == nil {
			ev.PrintProvider = u.Host
		}
	}
	for _, c := range chans {
		if cc, ok := c.(channel.Certified); ok {
			ev.Certificates = append(ev.Certificates, cc)
		}
	}
	return ev, nil
}

// altinnService is the client of an Altinn service named name at base and
// its token source with scope, or nil without Maskinporten (callers check
// for one; the configuration refuses these services without it).
func (a *app) altinnService(name, base, scope string) (*httpclient.Client, remind.TokenSource, error) {
	src, err := a.tokens.Altinn(scope)
	if err != nil {
		return nil, nil, err
	}
	hc, err := a.client(name, base)
	if err != nil {
		return nil, nil, err
	}
	return hc, src, nil
}

// notifier wires the notices (follow-ups, compliance digest, escalation.to)
// to the store, the policies and the SMTP relay; without a relay they are
// recorded as failed and go out once one is set.
func (a *app) notifier() (*notice.Notifier, error) {
	n := &notice.Notifier{Store: a.st, Policies: a.set, From: a.cfg.SMTP.From, Logger: a.log, BaseURL: a.cfg.PublicURL,
		FollowUpDays: a.cfg.FollowUpDays, FollowUpUnread: a.cfg.FollowUpUnread}
	if a.cfg.SMTP.Addr != "" {
		s, err := remind.NewSMTP(a.smtpConfig())
		if err != nil {
			return nil, fmt.Errorf("notices need an SMTP server: %w", err)
		}
		n.Sender = s
	}
	return n, nil
}

// smtpConfig is the SMTP relay of reminders and notices.
func (a *app) smtpConfig() remind.SMTPConfig {
	sc := a.cfg.SMTP
	return remind.SMTPConfig{Addr: sc.Addr, From: sc.From, User: sc.User, Password: sc.Password, TLSMode: sc.TLS}
}

// printer builds the print fallback. Without a print provider
// (POSTVAKT_PRINT_URL) it handles only the policies whose print is Digital
// Post's physical post (print.via: digitalpost), which need neither the
// provider nor Enhetsregisteret. batch is how many rows one claim takes.
func (a *app) printer(batch int) (*printing.Service, error) {
	pc := a.cfg.Print
	opt := printing.Options{ProviderAPIKey: pc.APIKey, BatchSize: batch, CacheTTL: pc.RegisterCacheTTL, Lease: pc.Lease, Logger: a.log}
	if pc.URL != "" {
		reg, err := a.registerClient()
		if err != nil {
			return nil, err
		}
		prov, err := a.client("print", pc.URL, pc.APIKey)
		if err != nil {
			return nil, err
		}
		opt.Register, opt.Provider = reg, prov
	}
	if a.set != nil {
		opt.Policies = a.set
	}
	var err error
	if opt.Crash, err = printCrashHook(a.cfg.TestCrashAt); err != nil {
		return nil, err
	}
	return printing.New(a.st, opt), nil
}

// registerClient is the client of Enhetsregisteret (POSTVAKT_REGISTER_URL),
// one per process so the print fallback and the names job share its circuit
// breaker.
func (a *app) registerClient() (*httpclient.Client, error) {
	if a.brreg == nil {
		hc, err := a.client("register", a.cfg.Print.RegisterURL)
		if err != nil {
			return nil, err
		}
		a.brreg = hc
	}
	return a.brreg, nil
}

// namer builds the names job: Norwegian names when POSTVAKT_REGISTER_URL is
// set, Danish ones when POSTVAKT_CVR_URL is; nil when neither is.
func (a *app) namer() (*register.Namer, error) {
	n := &register.Namer{Store: a.st, TTL: a.cfg.Print.RegisterCacheTTL, Log: a.log}
	if a.cfg.Print.RegisterURL != "" {
		hc, err := a.registerClient()
		if err != nil {
			return nil, err
		}
		n.Norway = &register.Brreg{HTTP: hc}
	}
	if c := a.cfg.CVR; c.URL != "" {
		hc, err := a.client("cvr", c.URL, c.Password)
		if err != nil {
			return nil, err
		}
		n.Denmark = &register.CVR{HTTP: hc, User: c.User, Password: c.Password}
	}
	if n.Norway == nil && n.Denmark == nil {
		return nil, nil
	}
	return n, nil
}

// scheduleNames schedules the names job once cluster-wide, when a register
// is configured.
func (a *app) scheduleNames(sched *jobs.Scheduler) error {
	n, err := a.namer()
	switch {
	case err != nil:
		return err
	case n == nil:
		a.log.Warn("neither POSTVAKT_REGISTER_URL nor POSTVAKT_CVR_URL is set: organisations get no names")
		return nil
	case n.Denmark == nil:
		a.log.Info("POSTVAKT_CVR_URL is not set: Danish organisations get no names")
	}
	return sched.Once(a.cfg.NamesSchedule, "names", n.Job)
}

// needPrinter is printer, failing when no print provider is configured.
func (a *app) needPrinter(batch int) (*printing.Service, error) {
	p, err := a.printer(batch)
	if err == nil && !p.HasProvider() {
		err = errors.New("POSTVAKT_PRINT_URL (the print provider) and POSTVAKT_REGISTER_URL (e.g. https://data.brreg.no/enhetsregisteret/api) must be set")
	}
	return p, err
}

// loadPolicies loads the policy folder, printing every problem.
func loadPolicies(dir string) (*policy.Set, error) {
	set, problems := policy.LoadDir(dir)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p.String())
		}
		return nil, fmt.Errorf("%d problem(s) in the policies in %s; not starting", len(problems), policiesNamed(dir))
	}
	return set, nil
}

// policiesNamed names the policy folder in an error as the operator set
// it: the variable, and for a relative path the working directory it was
// read from (a service manager's is often /, not the release's folder,
// and the default is the relative policies/).
func policiesNamed(dir string) string {
	s := dir + " (POSTVAKT_POLICIES"
	if !filepath.IsAbs(dir) {
		if wd, err := os.Getwd(); err == nil {
			s += ", read from the working directory " + wd
		}
	}
	return s + ")"
}

// actor names the person running a command, for the evidence and audit
// logs ("cli:<login>").
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:unknown"
}
