package remind

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrOutcomeUnknown wraps a send error after which it cannot be known
// whether the server took the message: the connection broke after the whole
// message was handed over, before the server's answer. Such a message must
// not be sent again blindly.
var ErrOutcomeUnknown = errors.New("delivery outcome unknown")

// TLS modes of an SMTP connection (POSTVAKT_SMTP_TLS). On port 465
// (submissions, RFC 8314) starttls and require are TLS from the first
// byte instead of STARTTLS.
const (
	TLSStartTLS = "starttls" // STARTTLS when the server offers it (the default)
	TLSRequire  = "require"  // STARTTLS or nothing: a server without it is an error (production)
	TLSNone     = "none"     // never: plain text, for a local relay
)

// ErrAllRefused is returned when the server refused every recipient of a
// message permanently (5xx to RCPT TO): nothing was sent.
var ErrAllRefused = errors.New("the SMTP server refused every recipient permanently")

// Refusal is a recipient the SMTP server refused permanently (a 5xx reply
// to RCPT TO), or one beyond its limit of recipients a message that a
// later transaction could not reach (SMTP.transactMore): the message went
// to the others without it.
type Refusal struct {
	Address string
	Reply   string // the server's reply, e.g. "550 5.1.1 no such user"
}

// SMTPConfig says how to reach the SMTP relay (environment
// POSTVAKT_SMTP_ADDR, POSTVAKT_SMTP_FROM, POSTVAKT_SMTP_USER,
// POSTVAKT_SMTP_PASSWORD, POSTVAKT_SMTP_TLS).
type SMTPConfig struct {
	Addr     string // host:port
	From     string // envelope and header sender, e.g. "postvakt@bergen.kommune.no"
	User     string // AUTH PLAIN (or LOGIN) user; empty = no authentication
	Password string
	// Timeout bounds one whole send (connect to QUIT); default 30s.
	Timeout time.Duration
	// TLS is the configuration for STARTTLS; nil = the system's roots and
	// the host of Addr as server name.
	TLS *tls.Config
	// TLSMode is TLSStartTLS (default), TLSRequire or TLSNone.
	TLSMode string
	// Helo is the name given in EHLO; default the host's name when it is
	// a domain name, else the connection's address (heloName).
	Helo string
}

// Check validates the configuration.
func (c SMTPConfig) Check() error {
	if c.Addr == "" {
		return errors.New("POSTVAKT_SMTP_ADDR is not set (host:port of the SMTP relay)")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("POSTVAKT_SMTP_ADDR %q is not host:port: %w", c.Addr, err)
	}
	if c.From == "" {
		return errors.New("POSTVAKT_SMTP_FROM is not set (the sender address of reminders)")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("POSTVAKT_SMTP_FROM %q is not an e-mail address: %w", c.From, err)
	}
	if c.User != "" && c.Password == "" {
		return errors.New("POSTVAKT_SMTP_USER is set but POSTVAKT_SMTP_PASSWORD is not")
	}
	switch c.TLSMode {
	case "", TLSStartTLS, TLSRequire, TLSNone:
	default:
		return fmt.Errorf("POSTVAKT_SMTP_TLS %q is not require, starttls or none", c.TLSMode)
	}
	return nil
}

// SMTP sends messages through an SMTP server with net/smtp: STARTTLS when
// the server offers it (TLSRequire: or not at all; TLSNone: never), AUTH
// PLAIN when a user is configured, or LOGIN when the server offers LOGIN
// and not PLAIN (Exchange); neither sends the password over an
// unencrypted connection except to localhost. A recipient the server
// refuses permanently is left out and reported in Message.Refused; the
// others still get the message.
type SMTP struct {
	cfg SMTPConfig
	// hostname is the host's name (os.Hostname).
	hostname func() (string, error)
	// implicitTLS: the relay speaks TLS from the first byte (port 465,
	// submissions, RFC 8314), not STARTTLS.
	implicitTLS bool
	now         func() time.Time // the clock of the pauses (held)

	mu sync.Mutex
	// refused is the server's last permanent refusal of the login, at
	// refusedAt: no login before loginPause passed (held).
	refused   error
	refusedAt time.Time
	// unreachable is the last connection the server did not answer in
	// time, at unreachableAt: none before unreachablePause passed.
	unreachable   error
	unreachableAt time.Time
}

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	_, port, _ := net.SplitHostPort(cfg.Addr)
	return &SMTP{cfg: cfg, hostname: os.Hostname, implicitTLS: port == "465" && cfg.TLSMode != TLSNone, now: time.Now}, nil
}

// Send delivers one message over one connection. An error before the whole
// message was handed over means it was not delivered (try again later); an
// error wrapping ErrOutcomeUnknown means it may have been.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	ss := s.Session()
	defer ss.Close()
	return ss.Send(ctx, m)
}

// Session returns a session that sends messages one at a time over one
// connection, kept open between them (see Session).
func (s *SMTP) Session() *Session { return &Session{s: s} }

// maxPerConnection is how many messages a session sends over one
// connection before it opens a new one (some servers limit it).
const maxPerConnection = 50

// resetTimeout is how long a reused connection may take to answer RSET:
// a quarter of the message's time, at most five seconds.
func resetTimeout(timeout time.Duration) time.Duration {
	return min(5*time.Second, timeout/4)
}

// Session sends many messages over one SMTP connection, one at a time:
// RSET between them, a new connection when the server closed the old one or
// after maxPerConnection messages, QUIT at Close. Each message has the
// outcome it would have alone (SMTP.Send): an error before the whole message
// was handed over means it was not delivered, an error wrapping
// ErrOutcomeUnknown that it may have been. A reused connection that fails
// before the server started taking a message is replaced and the message
// tried once more on the new one: nothing of it was handed over. A server
// that refuses the login for good (a 5xx: 535 a wrong password, 534 an app
// password wanted, 530 encryption first, 504 no such mechanism) is not
// asked again for loginPause by any session or send of the SMTP: their
// messages fail at once with that refusal, instead of a failed login each
// (which locks the account or bans the host). A Session is not safe for
// concurrent use.
type Session struct {
	s    *SMTP
	c    *smtp.Client
	conn net.Conn
	sent int // messages over this connection
}

// Send delivers one message over the session's connection.
func (ss *Session) Send(ctx context.Context, m *Message) error {
	if err := ss.s.held(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, ss.s.cfg.Timeout)
	defer cancel()
	if ss.c != nil && ss.sent >= maxPerConnection {
		ss.Close()
	}
	reused := ss.c != nil
	if reused {
		// A connection dropped while idle (a firewall forgetting it) does
		// not answer at all: RSET gets a short time of its own, so that the
		// message keeps most of its time for a new connection.
		rctx, cancelReset := context.WithTimeout(ctx, resetTimeout(ss.s.cfg.Timeout))
		stop := ss.arm(rctx)
		err := ss.c.Reset()
		stop()
		cancelReset()
		if err != nil {
			ss.drop() // closed by the server while idle: a new one below
			reused = false
		}
	}
	err := ss.try(ctx, m)
	var started bool
	if err != nil {
		var te *transactError
		started = errors.As(err, &te) && te.started
	}
	if err != nil && reused && !started && !errors.Is(err, ErrAllRefused) && ctx.Err() == nil {
		// The server stopped taking messages on the old connection (e.g.
		// "421 too many messages") before this one was handed over.
		ss.drop()
		err = ss.try(ctx, m)
	}
	if err != nil {
		ss.drop()
		return err
	}
	ss.sent++
	return nil
}

// try sends m over the session's connection, opening one if there is none.
func (ss *Session) try(ctx context.Context, m *Message) error {
	if ss.c == nil {
		if err := ss.connect(ctx); err != nil {
			return err
		}
	}
	stop := ss.arm(ctx)
	defer stop()
	return ss.s.transact(ss.c, m)
}

// arm bounds the next exchanges by ctx: its deadline on the connection,
// and the connection closed if ctx ends first. The returned func disarms.
func (ss *Session) arm(ctx context.Context) func() {
	deadline, _ := ctx.Deadline()
	_ = ss.conn.SetDeadline(deadline)
	conn := ss.conn
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return func() { stop() }
}

// Close ends the session: QUIT, then the connection is closed.
func (ss *Session) Close() {
	if ss.c == nil {
		return
	}
	_ = ss.conn.SetDeadline(time.Now().Add(5 * time.Second))
	_ = ss.c.Quit() // delivered messages stay delivered; a failing QUIT changes nothing
	ss.drop()
}

// drop closes the connection without a word.
func (ss *Session) drop() {
	if ss.c != nil {
		ss.c.Close()
	}
	ss.c, ss.conn, ss.sent = nil, nil, 0
}

// connect opens the session's connection: greeting, EHLO, STARTTLS when
// offered (or required), AUTH when a user is configured.
func (ss *Session) connect(ctx context.Context) error {
	err := ss.open(ctx)
	var timeout net.Error
	switch {
	case err == nil:
		ss.s.noteReached(nil)
	case errors.As(err, &timeout) && timeout.Timeout(), errors.Is(ctx.Err(), context.DeadlineExceeded):
		// No answer in the message's time: the connection's deadline, or
		// the connection closed as it ended.
		ss.s.noteReached(err)
	}
	return err
}

// open is connect's work.
func (ss *Session) open(ctx context.Context) error {
	cfg := ss.s.cfg
	host, _, _ := net.SplitHostPort(cfg.Addr)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", cfg.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var nc net.Conn = conn
	if ss.s.implicitTLS {
		// Port 465 sends its greeting only after the handshake: waited
		// for in plain text, every message timed out.
		tc := tls.Client(conn, ss.s.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("SMTP TLS with %s (port 465: TLS from the first byte): %w", cfg.Addr, err)
		}
		nc = tc
	}
	c, err := smtp.NewClient(nc, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting from %s: %w", cfg.Addr, err)
	}
	if err := ss.s.hello(c, host, conn.LocalAddr()); err != nil {
		c.Close()
		var reply *textproto.Error
		if errors.As(err, &reply) && reply.Code >= 500 && errors.Is(err, errAuth) {
			ss.s.noteLogin(err)
		}
		return err
	}
	if ss.s.cfg.User != "" {
		ss.s.noteLogin(nil)
	}
	ss.c, ss.conn, ss.sent = c, conn, 0
	return nil
}

// errAuth marks an error of the login (AUTH).
var errAuth = errors.New("SMTP AUTH")

// hello is EHLO, STARTTLS and AUTH on a new connection: AUTH PLAIN, or
// LOGIN when the relay offers LOGIN and not PLAIN (authFor).
func (s *SMTP) hello(c *smtp.Client, host string, local net.Addr) error {
	hostname, _ := s.hostname()
	if err := c.Hello(heloName(s.cfg.Helo, hostname, local)); err != nil {
		return fmt.Errorf("SMTP EHLO to %s: %w", s.cfg.Addr, err)
	}
	ok, _ := c.Extension("STARTTLS")
	if _, secure := c.TLSConnectionState(); secure {
		ok = false // TLS from the first byte (port 465): no STARTTLS in it
	} else if !ok && s.cfg.TLSMode == TLSRequire {
		return fmt.Errorf("SMTP server %s does not offer STARTTLS and POSTVAKT_SMTP_TLS is require: nothing sent", s.cfg.Addr)
	}
	if ok && s.cfg.TLSMode != TLSNone {
		if err := c.StartTLS(s.tlsConfig(host)); err != nil {
			return fmt.Errorf("SMTP STARTTLS with %s: %w", s.cfg.Addr, err)
		}
	}
	if s.cfg.User != "" {
		_, offered := c.Extension("AUTH")
		auth, mech := authFor(offered, s.cfg.User, s.cfg.Password, host)
		if err := c.Auth(auth); err != nil {
			var reply *textproto.Error
			if _, enc := c.TLSConnectionState(); !enc && !errors.As(err, &reply) {
				// Not sent: the login refused to send the password in clear
				// (not to localhost). A server's own answer is only that.
				return fmt.Errorf("%w %s as %s at %s: %w (the connection is not encrypted: the server offers no STARTTLS "+
					"or POSTVAKT_SMTP_TLS is none; a password is sent unencrypted only to localhost)", errAuth, mech, s.cfg.User, s.cfg.Addr, err)
			}
			return fmt.Errorf("%w %s as %s at %s: %w", errAuth, mech, s.cfg.User, s.cfg.Addr, err)
		}
	}
	return nil
}

// tlsConfig is the TLS configuration for the relay at host: the system's
// roots, unless SMTPConfig.TLS gives one.
func (s *SMTP) tlsConfig(host string) *tls.Config {
	if s.cfg.TLS != nil {
		return s.cfg.TLS
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// transactError is an error of one mail transaction; started says the
// server had accepted DATA (it was taking the message).
type transactError struct {
	err     error
	started bool
}

func (e *transactError) Error() string { return e.err.Error() }
func (e *transactError) Unwrap() error { return e.err }

// transact is one message on an open connection: MAIL FROM, RCPT TO for
// each recipient, DATA and the message. A server that takes only so many
// recipients a message answers the next RCPT TO with 452 (RFC 5321
// 4.5.3.1.10): the message goes to those it took, then to the rest in
// another transaction on the same connection (transactMore).
func (s *SMTP) transact(c *smtp.Client, m *Message) error {
	fail := func(started bool, format string, args ...any) error {
		return &transactError{err: fmt.Errorf(format, args...), started: started}
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("sender address %q: %w", m.From, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fail(false, "SMTP MAIL FROM: %w", err)
	}
	m.Refused = nil
	rcpts := append(append([]string(nil), m.To...), m.Cc...)
	var over []string // beyond the server's limit: a later transaction
	taken := 0
	for i, to := range rcpts {
		if err := c.Rcpt(to); err != nil {
			var reply *textproto.Error
			if errors.As(err, &reply) && reply.Code >= 500 {
				m.Refused = append(m.Refused, Refusal{Address: to, Reply: fmt.Sprintf("%d %s", reply.Code, reply.Msg)})
				continue
			}
			if errors.As(err, &reply) && reply.Code == 452 && taken > 0 {
				over = rcpts[i:]
				break
			}
			return fail(false, "SMTP RCPT TO %s: %w", to, err)
		}
		taken++
	}
	if taken == 0 {
		return fmt.Errorf("%w: %s", ErrAllRefused, describeRefused(m.Refused))
	}
	w, err := c.Data()
	if err != nil {
		return fail(false, "SMTP DATA: %w", err)
	}
	if _, err := w.Write(m.Bytes()); err != nil {
		return fail(true, "SMTP DATA: write message: %w", err)
	}
	// Close sends the final dot and reads the server's answer. A refusal
	// (a 4xx/5xx reply) means not delivered; anything else (a broken
	// connection, a timeout) leaves the outcome unknown.
	if err := w.Close(); err != nil {
		var reply *textproto.Error
		if errors.As(err, &reply) {
			return fail(true, "SMTP server refused the message: %w", err)
		}
		return fail(true, "%w: end of DATA: %w", ErrOutcomeUnknown, err)
	}
	return s.transactMore(c, from.Address, over, m)
}

// transactMore sends m, delivered already to the recipients the server
// took, to those beyond its limit (rest), in as many more transactions as
// it takes. It never fails the message: those it did reach must not get it
// again. A recipient it cannot reach is listed in m.Refused with the
// server's answer (a refusal of its RCPT TO, temporary or not, a refusal
// of the transaction, a broken connection before the message was handed
// over); only a connection lost after the message was handed over
// is an error, of unknown outcome.
func (s *SMTP) transactMore(c *smtp.Client, from string, rest []string, m *Message) error {
	notReached := func(rcpts []string, err error) error {
		reply := err.Error()
		var te *textproto.Error
		if errors.As(err, &te) {
			reply = fmt.Sprintf("%d %s", te.Code, te.Msg)
		}
		for _, to := range rcpts {
			m.Refused = append(m.Refused, Refusal{Address: to, Reply: reply})
		}
		return nil
	}
	for len(rest) > 0 {
		if err := c.Mail(from); err != nil {
			return notReached(rest, err)
		}
		var taken, over []string
		for i, to := range rest {
			if err := c.Rcpt(to); err != nil {
				var reply *textproto.Error
				if !errors.As(err, &reply) || reply.Code == 421 { // the connection is lost or closing
					return notReached(append(taken, rest[i:]...), err)
				}
				if reply.Code == 452 && len(taken) > 0 {
					over = rest[i:]
					break
				}
				// This address alone (a 5xx, a full mailbox): the rest may
				// still be taken.
				m.Refused = append(m.Refused, Refusal{Address: to, Reply: fmt.Sprintf("%d %s", reply.Code, reply.Msg)})
				continue
			}
			taken = append(taken, to)
		}
		if len(taken) == 0 {
			return nil // every one refused; the session's next message begins with RSET
		}
		w, err := c.Data()
		if err != nil {
			return notReached(append(taken, over...), err)
		}
		if _, err := w.Write(m.Bytes()); err != nil {
			return notReached(append(taken, over...), err)
		}
		if err := w.Close(); err != nil {
			var reply *textproto.Error
			if errors.As(err, &reply) {
				return notReached(append(taken, over...), err)
			}
			return &transactError{err: fmt.Errorf("%w: end of DATA (to %s, after the others got it): %w",
				ErrOutcomeUnknown, strings.Join(taken, ", "), err), started: true}
		}
		rest = over
	}
	return nil
}

// describeRefused lists refusals for a log line or an error.
func describeRefused(rs []Refusal) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Address + " (" + r.Reply + ")"
	}
	return strings.Join(out, ", ")
}
