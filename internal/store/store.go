// Package store is all of postvakt's SQL: shipments and their evidence log,
// organisations, tokens. Every state change and its event are written in one
// transaction. Nothing outside this package writes SQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // the PostgreSQL driver
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrPurged is returned (wrapped) for a change a shipment can no longer
// take because the retention purge deleted its personal data and event
// log (a follow-up decision; a note resolving its manual-handling case).
var ErrPurged = errors.New("the shipment's personal data and event log were deleted under retention")

// ErrExists is returned when a row to create exists already (a user of
// that name).
var ErrExists = errors.New("exists already")

// exists is err as ErrExists when it is a unique violation.
func exists(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return ErrExists
	}
	return err
}

// Store wraps the database.
type Store struct {
	db    *sqlx.DB
	sched *registrationSchedule // see ScheduleRegistrations; shared with Interactive's store
	stmts sync.Map              // query → *sqlx.Stmt (prepared.go)
	cfg   pq.Config             // how it connects (Interactive connects so too)
}

// Open connects to the database at url, waiting up to wait for it to answer
// (a database that restarts at the same time as postvakt is not an error).
// Its sessions run in UTC whatever the server's timezone setting (often the
// machine's zone) or url says: the times read come in UTC, and interval
// arithmetic and casts to date do not depend on where the server stands;
// a question about a day names its zone (AT TIME ZONE 'Europe/Oslo').
func Open(ctx context.Context, url string, wait time.Duration) (*Store, error) {
	return OpenWaiting(ctx, url, wait, nil)
}

// OpenWaiting is Open, calling waiting (when not nil) once, with the reason
// (the address hidden), when the database does not answer at first and
// Open waits for it: a person at the terminal, or a log, says why nothing
// happens for up to wait.
func OpenWaiting(ctx context.Context, url string, wait time.Duration, waiting func(reason error)) (*Store, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", hideURL(err, url))
	}
	for k := range cfg.Runtime {
		if strings.EqualFold(k, "timezone") {
			delete(cfg.Runtime, k)
		}
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	cfg.Runtime["TimeZone"] = "UTC"
	db, err := pool(cfg, JobsPool)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err = db.PingContext(ctx)
		if err == nil {
			return &Store{db: db, sched: &registrationSchedule{}, cfg: cfg}, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil || !transient(err) {
			db.Close()
			return nil, fmt.Errorf("connect to database: %w", hideURL(err, url))
		}
		if waiting != nil {
			waiting(hideURL(err, url))
			waiting = nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// pool is a connection pool of at most size connections to the database
// cfg names, its sessions set up as cfg says.
func pool(cfg pq.Config, size int) (*sqlx.DB, error) {
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size / 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// JobsPool is how many connections a store Open returns opens at most:
// every command's, and serve's jobs'.
const JobsPool = 20

// InteractivePool is how many connections the store Interactive returns
// opens at most, beside the JobsPool of the store it was made from: a
// serve opens at most JobsPool+InteractivePool (README, "Size
// max_connections").
const InteractivePool = 10

// Interactive returns a store on the same database through a pool of its
// own (at most InteractivePool connections) whose sessions end any
// statement that runs longer than timeout (PostgreSQL's statement_timeout,
// set on each session it opens; it overrides one in DATABASE_URL): for
// the work people wait on, the UI and the API, so that one runaway query
// (a wide filter, an export of everything) holds neither a connection nor
// its locks for minutes. Such a statement fails with an error TooLong
// recognises. The background jobs keep s, without it: a poll, an import's
// COPY, the nightly purge or an escalation run may take longer, and is cut
// short by nothing but its own end. Both stores share the registrations'
// schedule (ScheduleRegistrations); close the one returned on its own.
func (s *Store) Interactive(ctx context.Context, timeout time.Duration) (*Store, error) {
	cfg := s.cfg.Clone()
	for k := range cfg.Runtime {
		if strings.EqualFold(k, "statement_timeout") {
			delete(cfg.Runtime, k)
		}
	}
	cfg.Runtime["statement_timeout"] = strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
	db, err := pool(cfg, InteractivePool)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database for requests: %w", err)
	}
	return &Store{db: db, sched: s.sched, cfg: cfg}, nil
}

// TooLong reports whether err is a statement the database ended before it
// finished (SQL 57014, query_canceled): one that ran past its session's
// statement_timeout (Interactive), or that an administrator cancelled
// (pg_cancel_backend). A request whose client went away ends its
// statement too, but that error is the context's.
func TooLong(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "57014"
}

// transient reports whether a failed connection may succeed by waiting: the
// server cannot be reached yet (a network error: refused, reset, a name
// not resolvable yet), or it answered that it is starting, shutting down,
// out of connections or cut the connection (SQL classes 57, 53, 08).
// Anything else will not mend by itself and fails at once: a URL that
// cannot be read, a certificate file it names missing or not readable, a setting the driver does not know (sslmode=requre, a
// scheme other than postgres), a certificate not trusted, credentials or a
// database refused, a parameter the server refuses (channel_binding).
func transient(err error) bool {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return false // a net.Error too, but the address, not the network
	}
	var fe *fs.PathError
	if errors.As(err, &fe) {
		return false // a file the URL names (sslrootcert, sslcert) missing or not readable
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "53", "57":
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn)
}

// hideURL is err without the database's address in it: the URL parser
// quotes the whole address, password included, when it cannot read it
// (an unescaped / or % in the password).
func hideURL(err error, url string) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		// Not even the parser's own words: they quote a piece of it
		// (`invalid port ":pa" after host`), which may be the password's.
		return errors.New("DATABASE_URL cannot be read as a URL (percent-encode special characters such as / % @ in the password)")
	}
	if strings.Contains(err.Error(), "in connection info string") {
		// lib/pq reads what is not a postgres:// URL as key=value settings
		// and quotes the word it stumbled on: a piece of a password with a
		// blank, or the whole of a URL of another scheme (mysql://…).
		return errors.New("DATABASE_URL cannot be read: it is neither a postgres:// URL nor key=value settings (quote a value with blanks in single quotes)")
	}
	if url != "" && strings.Contains(err.Error(), url) {
		return errors.New(strings.ReplaceAll(err.Error(), url, "DATABASE_URL"))
	}
	return err
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// ErrReadOnly is matched (errors.Is) by Writable's error for a database
// that answered it takes no writes; its other errors say it did not answer.
var ErrReadOnly = errors.New("the database is read-only (a standby, or default_transaction_read_only)")

// Writable checks that the database takes writes: a standby after a
// failover, or default_transaction_read_only, answers every read and
// refuses every job's claim.
func (s *Store) Writable(ctx context.Context) error {
	var ro string
	if err := s.db.GetContext(ctx, &ro, `SELECT current_setting('transaction_read_only')`); err != nil {
		return fmt.Errorf("ask whether the database takes writes: %w", err)
	}
	if ro == "on" {
		return ErrReadOnly
	}
	return nil
}

// DB exposes the pool for tests in other packages that need to look at rows
// directly.
func (s *Store) DB() *sqlx.DB { return s.db }

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := runRecovered(tx, fn); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runRecovered is fn(tx), a panic in it its error (*PanicError): the
// transaction is then rolled back as after any error, not left open with
// its locks and its connection until the context ends, which for a job
// is the process's end.
func runRecovered(tx *sqlx.Tx, fn func(tx *sqlx.Tx) error) (err error) {
	defer func() {
		if _, ok := err.(*PanicError); ok {
			err = fmt.Errorf("transaction rolled back: %w", err)
		}
	}()
	defer recovered(&err)
	return fn(tx)
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
