package remind

import (
	"fmt"
	"time"
)

// loginPause is how long a sender does not log in again after the server
// refused the login for good (a 5xx to AUTH): its messages fail at once.
// One failed login every quarter of an hour for each of reminders, notices
// and alerts, instead of one a message (or an alert's at each evaluation),
// which locks the account or bans the host; and a password or account
// fixed at the relay is tried again soon enough.
const loginPause = 15 * time.Minute

// unreachablePause is how long a sender does not connect again after the
// server did not answer a connection in a message's time (a relay down
// behind a firewall that drops, a port that says nothing): its messages
// fail at once, instead of each waiting the whole time to find out (a
// run of 1,000 reminders an hour over 8 workers, the orders behind them
// waiting).
const unreachablePause = 2 * time.Minute

// held is why no message is sent now: the server's permanent refusal of
// the login while its pause lasts, or its silence while that pause lasts;
// nil when neither holds.
func (s *SMTP) held() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.refused != nil && now.Before(s.refusedAt.Add(loginPause)) {
		return fmt.Errorf("not sent: %w (refused at %s: no login before %s)", s.refused,
			s.refusedAt.UTC().Format(time.RFC3339), s.refusedAt.Add(loginPause).UTC().Format(time.RFC3339))
	}
	if s.unreachable != nil && now.Before(s.unreachableAt.Add(unreachablePause)) {
		return fmt.Errorf("not sent: the SMTP server %s did not answer at %s (%w); not tried again before %s", s.cfg.Addr,
			s.unreachableAt.UTC().Format(time.RFC3339), s.unreachable, s.unreachableAt.Add(unreachablePause).UTC().Format(time.RFC3339))
	}
	return nil
}

// noteReached keeps whether a connection was answered: err the server's
// silence (a pause begins), nil an answer (a pause ends).
func (s *SMTP) noteReached(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreachable, s.unreachableAt = err, s.now()
}

// noteLogin keeps the outcome of a login: a permanent refusal (err) starts
// a pause, a login taken (nil) ends one.
func (s *SMTP) noteLogin(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused, s.refusedAt = err, s.now()
}
