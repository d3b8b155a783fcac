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
	"time"
)

// ErrOutcomeUnknown wraps a send error after which it cannot be known
// whether the server took the message: the connection broke after the whole
// message was handed over, before the server's answer. Such a message must
// not be sent again blindly.
var ErrOutcomeUnknown = errors.New("delivery outcome unknown")

// TLS modes of an SMTP connection (POSTVAKT_SMTP_TLS).
const (
	TLSStartTLS = "starttls" // STARTTLS when the server offers it (the default)
	TLSRequire  = "require"  // STARTTLS or nothing: a server without it is an error (production)
	TLSNone     = "none"     // never: plain text, for a local relay
)

// ErrAllRefused is returned when the server refused every recipient of a
// message permanently (5xx to RCPT TO): nothing was sent.
var ErrAllRefused = errors.New("the SMTP server refused every recipient permanently")

// Refusal is a recipient the SMTP server refused permanently (a 5xx reply
// to RCPT TO): the message went to the others without it.
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
	User     string // AUTH PLAIN user; empty = no authentication
	Password string
	// Timeout bounds one whole send (connect to QUIT); default 30s.
	Timeout time.Duration
	// TLS is the configuration for STARTTLS; nil = the system's roots and
	// the host of Addr as server name.
	TLS *tls.Config
	// TLSMode is TLSStartTLS (default), TLSRequire or TLSNone.
	TLSMode string
	// Helo is the name given in EHLO; default the host name.
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
// PLAIN when a user is configured (net/smtp refuses PLAIN over an
// unencrypted connection except to localhost). A recipient the server
// refuses permanently is left out and reported in Message.Refused; the
// others still get the message.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

// Send delivers one message over one connection. An error before the whole
// message was handed over means it was not delivered (try again later); an
// error wrapping ErrOutcomeUnknown means it may have been.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", s.cfg.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting from %s: %w", s.cfg.Addr, err)
	}
	defer c.Close()
	helo := s.cfg.Helo
	if helo == "" {
		helo, _ = os.Hostname()
		if helo == "" {
			helo = "localhost"
		}
	}
	if err := c.Hello(helo); err != nil {
		return fmt.Errorf("SMTP EHLO to %s: %w", s.cfg.Addr, err)
	}
	ok, _ := c.Extension("STARTTLS")
	if !ok && s.cfg.TLSMode == TLSRequire {
		return fmt.Errorf("SMTP server %s does not offer STARTTLS and POSTVAKT_SMTP_TLS is require: nothing sent", s.cfg.Addr)
	}
	if ok && s.cfg.TLSMode != TLSNone {
		tc := s.cfg.TLS
		if tc == nil {
			tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("SMTP STARTTLS with %s: %w", s.cfg.Addr, err)
		}
	}
	if s.cfg.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Password, host)); err != nil {
			return fmt.Errorf("SMTP AUTH PLAIN as %s at %s: %w", s.cfg.User, s.cfg.Addr, err)
		}
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("sender address %q: %w", m.From, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	m.Refused = nil
	rcpts := append(append([]string(nil), m.To...), m.Cc...)
	for _, to := range rcpts {
		if err := c.Rcpt(to); err != nil {
			var reply *textproto.Error
			if errors.As(err, &reply) && reply.Code >= 500 {
				m.Refused = append(m.Refused, Refusal{Address: to, Reply: fmt.Sprintf("%d %s", reply.Code, reply.Msg)})
				continue
			}
			return fmt.Errorf("SMTP RCPT TO %s: %w", to, err)
		}
	}
	if len(m.Refused) == len(rcpts) {
		_ = c.Quit()
		return fmt.Errorf("%w: %s", ErrAllRefused, describeRefused(m.Refused))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(m.Bytes()); err != nil {
		return fmt.Errorf("SMTP DATA: write message: %w", err)
	}
	// Close sends the final dot and reads the server's answer. A refusal
	// (a 4xx/5xx reply) means not delivered; anything else (a broken
	// connection, a timeout) leaves the outcome unknown.
	if err := w.Close(); err != nil {
		var reply *textproto.Error
		if errors.As(err, &reply) {
			return fmt.Errorf("SMTP server refused the message: %w", err)
		}
		return fmt.Errorf("%w: end of DATA: %w", ErrOutcomeUnknown, err)
	}
	_ = c.Quit() // delivered; a failing QUIT changes nothing
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
