// Package digitalpost is the Danish Digital Post (NgDP) channel adapter. A
// sender system learns what happened to its letters only from the event
// log, GET events/ ("hændelsesloggen", the legal proof of delivery): read by
// windows on the events' created time, page by page; the letter is the
// event's metaProperties.messageUUID, which is the shipment's channel_id.
// Every call goes with mutual TLS (the sender's OCES3 certificate) and
// Authorization: Basic base64(systemId:apiToken).
package digitalpost

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// Name is the channel's name on shipments.
const Name = "digitalpost"

// Config configures the adapter (POSTVAKT_DIGITALPOST_*).
type Config struct {
	// BaseURL is the API base including /apis/v1: production
	// https://api.digitalpost.dk/apis/v1, test
	// https://api.test.digitalpost.dk/apis/v1. (POSTVAKT_DIGITALPOST_URL)
	BaseURL string
	// SystemID and APIToken make the Basic header. (…_SYSTEM_ID, …_API_TOKEN)
	SystemID string
	APIToken string
	// CertFile and KeyFile are the OCES3 certificate and its key (PEM),
	// required for an https URL. (…_CERT_FILE, …_KEY_FILE)
	CertFile string
	KeyFile  string
	// RootCAs, when set, replaces the system's trusted roots (tests).
	RootCAs *x509.CertPool
	// Overlap is how far each read reaches back (default 10m). (…_OVERLAP)
	Overlap time.Duration
	// Reread is how far back the wide re-read reaches (default 48h), and
	// RereadEvery how often one starts (default 24h): it finds the entries
	// that showed in the log later than the overlap reaches. (…_REREAD,
	// …_REREAD_EVERY)
	Reread      time.Duration
	RereadEvery time.Duration
	// PageSize is the size asked for per page (default 500; the log may
	// serve fewer). A log that refuses it (400) is asked for half as many,
	// halving down to 50, and one that refuses sortFields is asked without
	// (pageshape.go).
	PageSize int
	// MaxPages bounds the pages of one read (default 10,000): a window that
	// needs more is an error, not an endless loop.
	MaxPages int
	// LookupPages bounds the pages of one letter's lookup (default 10).
	LookupPages int
	// Concurrency bounds the letter lookups in flight in one Status call
	// (default 4); BatchSize is how many letters one Status call takes
	// (default 50).
	Concurrency int
	BatchSize   int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Doer sends a request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// Client is the adapter: a channel.Feed (and so a channel.Channel) and a
// channel.Discoverer.
type Client struct {
	cfg  Config
	http Doer
	log  *slog.Logger
	warn sync.Once
	// refusedWarn: the log refused the messageUUID filter (said once).
	refusedWarn sync.Once
	cert        *certificate // the OCES3 certificate presented; nil without one

	sentMu sync.Mutex
	sent   map[string]time.Time // when Discover saw letters sent (a back-fill's earlier windows); at most maxSentMemo

	// offsetDates: the log refused dateFrom in the form its answers use
	// (…437Z) and took the one the notes' pattern yyyy-MM-ddTHH:mm:ss.SSSZ
	// means in Java (…437+0000); asked so from then on.
	offsetDates atomic.Bool

	// shape: the page size and order the log's pages are asked in.
	shape shapes
}

// maxSentMemo bounds Client.sent; when full it starts again (a letter then
// costs one lookup more).
const maxSentMemo = 200_000

var (
	_ channel.Feed       = (*Client)(nil)
	_ channel.Discoverer = (*Client)(nil)
	_ channel.Certified  = (*Client)(nil)
	_ channel.Rereader   = (*Client)(nil)
)

// defaultOverlap is how far a read reaches back by default.
const defaultOverlap = 10 * time.Minute

// defaultReread and defaultRereadEvery: by default the log is read again
// once a day reaching two days back, so an entry that shows up to a day
// late is read (a re-read reaches entries late by up to Reread minus
// RereadEvery).
const (
	defaultReread      = 48 * time.Hour
	defaultRereadEvery = 24 * time.Hour
)

func (cfg *Config) defaults() {
	if cfg.Overlap <= 0 {
		cfg.Overlap = defaultOverlap
	}
	if cfg.Reread <= 0 {
		cfg.Reread = defaultReread
	}
	if cfg.RereadEvery <= 0 {
		cfg.RereadEvery = defaultRereadEvery
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 10000
	}
	if cfg.LookupPages <= 0 {
		cfg.LookupPages = 10
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 50
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
}

// check says what is missing from cfg.
func (cfg *Config) check() error {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("digitalpost: POSTVAKT_DIGITALPOST_URL %q is not an http(s) URL (e.g. https://api.digitalpost.dk/apis/v1)", cfg.BaseURL)
	}
	if cfg.SystemID == "" || cfg.APIToken == "" {
		return errors.New("digitalpost: POSTVAKT_DIGITALPOST_SYSTEM_ID and POSTVAKT_DIGITALPOST_API_TOKEN (or _FILE) are required")
	}
	if strings.Contains(cfg.SystemID, ":") {
		return errors.New("digitalpost: POSTVAKT_DIGITALPOST_SYSTEM_ID must not contain ':'")
	}
	if u.Scheme == "https" && (cfg.CertFile == "" || cfg.KeyFile == "") {
		return errors.New("digitalpost: an https URL needs the OCES3 certificate: POSTVAKT_DIGITALPOST_CERT_FILE and POSTVAKT_DIGITALPOST_KEY_FILE (PEM)")
	}
	return nil
}

// Transport is the mutual-TLS transport for cfg: it presents the
// certificate and key of CertFile and KeyFile, when given, as the files
// hold them at each handshake.
func Transport(cfg Config) (*http.Transport, error) {
	tr, _, err := transport(cfg)
	return tr, err
}

// transport is Transport and the certificate it presents (nil without
// one).
func transport(cfg Config) (*http.Transport, *certificate, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}
	if cfg.CertFile == "" && cfg.KeyFile == "" {
		return tr, nil, nil
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cert, variable, err := openCertificate(cfg.CertFile, cfg.KeyFile, log.With("channel", Name))
	if err != nil {
		return nil, nil, fmt.Errorf("digitalpost: %s: %w", variable, err)
	}
	tr.TLSClientConfig.GetClientCertificate = cert.clientCertificate
	return tr, cert, nil
}

// Build checks cfg and builds the adapter with its own HTTP client (mutual
// TLS, retries, breaker, metrics on reg, which may be nil).
func Build(cfg Config, reg prometheus.Registerer) (*Client, error) {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	tr, cert, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	hc, err := httpclient.New(httpclient.Options{Name: Name, BaseURL: cfg.BaseURL, Transport: tr,
		Secrets: []string{cfg.APIToken}, Logger: cfg.Logger, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("digitalpost client: %w", err)
	}
	c, err := New(cfg, hc)
	if err != nil {
		return nil, err
	}
	if cert != nil {
		if err := cert.register(reg); err != nil {
			return nil, err
		}
		c.cert = cert
		cert.check(time.Now())
	}
	return c, nil
}

// CertificateEnd is when the OCES3 certificate its files hold now ends
// (channel.Certified); false without one (plain HTTP).
func (c *Client) CertificateEnd() (time.Time, bool) {
	if c.cert == nil {
		return time.Time{}, false
	}
	return c.cert.notAfter(), true
}

// New builds the adapter on hc, whose BaseURL must be cfg.BaseURL and whose
// transport carries the certificate (see Build).
func New(cfg Config, hc Doer) (*Client, error) {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, errors.New("digitalpost: an HTTP client is required")
	}
	c := &Client{cfg: cfg, http: hc, log: cfg.Logger.With("channel", Name)}
	c.shape.cur = shape{size: cfg.PageSize, sorted: true}
	if strings.HasPrefix(cfg.BaseURL, "http:") {
		c.log.Warn("digitalpost over plain HTTP: no client certificate is shown (only the simulator answers that)")
	}
	return c, nil
}

// Name returns "digitalpost".
func (c *Client) Name() string { return Name }

// BatchSize returns Config.BatchSize.
func (c *Client) BatchSize() int { return c.cfg.BatchSize }

// Overlap returns Config.Overlap.
func (c *Client) Overlap() time.Duration { return c.cfg.Overlap }

// Reread returns Config.Reread and Config.RereadEvery.
func (c *Client) Reread() (back, every time.Duration) { return c.cfg.Reread, c.cfg.RereadEvery }

// envelope is EventLogSearchResult; events are read one by one so one bad
// entry does not spoil the page.
type envelope struct {
	Events *[]json.RawMessage `json:"events"`
	paging
}

// Events reads the events created in [from, to], oldest first, page by page
// until the last page. A zero to sends no dateTo: up to the log's own now.
//
// A log that refuses the first page's dateFrom (400) is asked once more in
// the other form of the notes' yyyy-MM-ddTHH:mm:ss.SSSZ: its Z is a
// literal Z in the log's answers (…437Z), a numeric offset in Java's
// patterns (…437+0000). The form it takes is kept for the next reads.
func (c *Client) Events(ctx context.Context, from, to time.Time, fn func([]channel.FeedEvent) error) error {
	window := func(offset bool) url.Values {
		q := url.Values{"dateFrom": {formatTime(from, offset)}}
		if !to.IsZero() {
			q.Set("dateTo", formatTime(to, offset))
		}
		return q
	}
	given := false
	counted := func(page []channel.FeedEvent) error {
		given = true
		return fn(page)
	}
	offset := c.offsetDates.Load()
	err := c.read(ctx, "events", window(offset), c.cfg.MaxPages, counted)
	var se *httpclient.StatusError
	if given || !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
		return err
	}
	err2 := c.read(ctx, "events", window(!offset), c.cfg.MaxPages, counted)
	if (given || err2 == nil) && c.offsetDates.CompareAndSwap(offset, !offset) {
		c.log.Info("the event log refused dateFrom in one form and took the other; asked so from now on",
			"refused", formatTime(from, offset), "taken", formatTime(from, !offset))
	}
	if !given && errors.As(err2, &se) && se.StatusCode == http.StatusBadRequest {
		return err // refused in both forms: the first answer says why
	}
	return err2
}

// lookup reads every event of one letter through the
// metaProperties.messageUUID filter. Events of other letters are dropped:
// should the log ignore the filter, they are not this letter's. The newest
// come first: a log that ignores the filter gives its whole log, of which
// only LookupPages pages are read, and the letters looked up are recent
// ones (registered after their entries went by, or not mentioned since
// they were sent).
func (c *Client) lookup(ctx context.Context, id string) ([]channel.FeedEvent, error) {
	var out []channel.FeedEvent
	foreign := 0
	// The log writes UUIDs in lower case, and its field search is not
	// said to ignore case.
	q := url.Values{"metaProperties.messageUUID": {strings.ToLower(id)}, "sortFields": {"created:desc"}}
	err := c.read(ctx, "lookup", q, c.cfg.LookupPages, func(page []channel.FeedEvent) error {
		for _, e := range page {
			if e.Tag == tagSearches && e.Err == nil {
				// The log's record of a search (an earlier look-up's,
				// naming this letter): no other letter's entry.
				continue
			}
			if e.ChannelID != strings.ToLower(id) {
				foreign++
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	if foreign > 0 {
		c.warn.Do(func() {
			c.log.Warn("the event log answered a messageUUID lookup with other letters' (or unreadable) events; they are ignored", "count", foreign)
		})
	}
	if errors.Is(err, errTooManyPages) && foreign > 0 && len(out) > 0 {
		// The log ignored the filter (the notes infer it, untested) and
		// its whole log ran past the bound: what it gave of this letter
		// is kept, as for a gap; the feed reads the rest as it comes.
		c.log.Info("a letter's lookup ran past its pages (the log ignored the messageUUID filter); what it gave is kept",
			"letter", model.Shown(id, 80), "pages", c.cfg.LookupPages)
		err = nil
	}
	if errors.Is(err, errTooManyPages) && foreign > 0 {
		// The log ignored the filter and gave nothing of this letter in
		// the pages read: the letter was not looked up (its entries may
		// lie further back), as if the log refused the filter. The poller
		// reads the log over the letter's time instead; asked again, the
		// look-up would page through the same newest entries each cycle.
		c.refusedWarn.Do(func() {
			c.log.Warn("the event log ignored a look-up by metaProperties.messageUUID; letters registered after their entries went by are found by reading the log again from their sent time",
				"pages", c.cfg.LookupPages)
		})
		return nil, fmt.Errorf("%w: the log ignored the messageUUID filter and its newest %d pages hold no entry of the letter: %w",
			channel.ErrLookupRefused, c.cfg.LookupPages, err)
	}
	var se *httpclient.StatusError
	if errors.As(err, &se) && (se.StatusCode == http.StatusBadRequest || se.StatusCode == http.StatusUnprocessableEntity) {
		// The log does not take the filter (the notes infer it from the
		// spec's generic search text; untested): no letter's fault, and
		// the same for every letter. The poller reads the log again over
		// the letter's time instead (internal/poll, lookUp).
		c.refusedWarn.Do(func() {
			c.log.Warn("the event log refused a look-up by metaProperties.messageUUID; letters registered after their entries went by are found by reading the log again from their sent time",
				"status", se.StatusCode)
		})
		return nil, fmt.Errorf("%w: %w", channel.ErrLookupRefused, err)
	}
	if errors.Is(err, channel.ErrIncomplete) && len(out) == 0 {
		// The log counted entries it did not give (still indexing them),
		// none of them this letter's: that is no answer about the letter,
		// least of all that the log has never heard of it (ErrNotKnown,
		// which marks it unknown_to_channel). The letter's error.
		return nil, fmt.Errorf("digitalpost lookup of letter %s: the log gave none of its entries: %w", model.Shown(id, 80), err)
	}
	if errors.Is(err, channel.ErrIncomplete) {
		// One letter's log with a gap: what it gave is this letter's state
		// for now; the window reads whatever the gap held when it shows.
		c.log.Info("a letter's log came back with a gap; what it gave is kept", "letter", model.Shown(id, 80), "error", err)
		err = nil
	}
	return out, err
}

// Status looks up each letter's events (the messageUUID filter),
// Concurrency at a time, and folds them into an observation whose Events
// are the letter's entries. A letter the log has no event of gets
// ErrNotKnown; one whose lookup failed gets the error (so does one whose
// log counted entries and gave none: ErrIncomplete). Once a lookup is
// answered with the log's rate limit or its refusal of the caller
// (httpclient.StopAsking: 401, 403), no further lookup starts: the letters
// not yet asked get that answer. The error
// return is for a call that failed as a whole: every lookup failed.
func (c *Client) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	out := make([]channel.Observation, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	var stop atomic.Pointer[error]
	asked := 0
	for i, id := range ids {
		if !channel.ValidUUID(id) {
			out[i] = channel.Observation{ChannelID: id, Err: fmt.Errorf("%w: a messageUUID is a UUID, not %q", channel.ErrInvalidID, id)}
			continue
		}
		asked++
		wg.Add(1)
		go func(i int, id string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			defer c.recovered(id, func(err error) { errs[i], out[i] = err, channel.Observation{ChannelID: id, Err: err} })
			if t := stop.Load(); t != nil {
				errs[i], out[i] = *t, channel.Observation{ChannelID: id, Err: *t}
				return
			}
			evs, err := c.lookup(ctx, id)
			if httpclient.StopAsking(err) != nil {
				// The log's rate limit, or its refusal of the caller (401,
				// 403: the sender system's credentials or certificate, the
				// same for every letter).
				stop.CompareAndSwap(nil, &err)
			}
			if errors.Is(err, channel.ErrLookupRefused) {
				// The letter's own answer, not the call's failure.
				out[i] = channel.Observation{ChannelID: id, Err: err}
				return
			}
			if err != nil {
				errs[i] = err
				out[i] = channel.Observation{ChannelID: id, Err: err}
				return
			}
			out[i] = fold(id, evs)
			if len(evs) == 0 {
				out[i].Err = fmt.Errorf("%w: the event log has no event of letter %s", channel.ErrNotKnown, id)
			}
		}(i, id)
	}
	wg.Wait()
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if asked > 0 && failed == asked {
		return nil, first
	}
	return out, nil
}

// recovered, deferred in a lookup's goroutine, makes a panic there (an
// answer the adapter did not expect) the letter's error, logged with its
// stack: outside the poll job's goroutine, it ended the whole process.
func (c *Client) recovered(id string, fail func(error)) {
	v := recover()
	if v == nil {
		return
	}
	err := fmt.Errorf("digitalpost lookup of %s: panic: %v", id, v)
	c.log.Error("a letter's lookup panicked; it is the letter's error", "error", err, "stack", string(debug.Stack()))
	fail(err)
}
