package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// The facts behind the health rules (internal/health). Each query reads
// the letters of a bounded recent period through the sent-time index, so
// an evaluation costs in proportion to the letters of that period, not to
// everything ever registered. The rules themselves are pure functions of
// these facts and a clock.

// DeliveryTime is what a channel's recent deliveries say about how long
// delivery takes: how many letters became available, and the given
// quantile of the time from sent to available.
type DeliveryTime struct {
	Channel   string        `db:"channel"`
	Delivered int           `db:"delivered"`
	Quantile  time.Duration `db:"-"`
	Seconds   float64       `db:"seconds"`
}

// DeliveryTimes learns each channel's delivery time from its letters sent
// in [since, now) that became available: the q quantile (e.g. 0.99). Only
// letters postvakt saw available count: one first seen opened (registered
// late, or opened between two polls) has the opening's time as its
// available_at, which says nothing of the channel. Nor does a letter the
// sender scheduled for later delivery (one that ever had one of the
// scheduled statuses, channel.Spec.Scheduled, or that Altinn held for a
// later publication, held_until): its wait was the sender's choice
// (Digital Post's delayed letters wait up to days, and would make every
// channel that carries some look slow).
func (s *Store) DeliveryTimes(ctx context.Context, since, now time.Time, q float64, scheduled []string) ([]DeliveryTime, error) {
	var out []DeliveryTime
	err := s.db.SelectContext(ctx, &out, `SELECT channel, count(*) AS delivered,
			COALESCE(percentile_cont($3::float8) WITHIN GROUP (ORDER BY extract(epoch FROM available_at - sent_at)), 0) AS seconds
		FROM shipments s
		WHERE sent_at >= $1 AND sent_at < $2 AND available_at IS NOT NULL
			AND (state = 'available' OR available_at < state_changed_at)
			AND held_until IS NULL -- a publication the sender asked to be later: the wait was the sender's
			AND CASE WHEN cardinality($4::text[]) = 0 THEN true
				ELSE NOT EXISTS (SELECT 1 FROM shipment_events e WHERE e.shipment_id = s.id AND e.raw_status = ANY($4::text[])) END
		GROUP BY channel ORDER BY channel`, since, now, q, pq.Array(scheduled))
	if err != nil {
		return nil, fmt.Errorf("learn delivery times: %w", err)
	}
	for i := range out {
		out[i].Quantile = time.Duration(out[i].Seconds * float64(time.Second))
	}
	return out, nil
}

// ChannelDue is what the unit facts need to know of a channel: after how
// long a letter counts as overdue (T) and when the channel last reported a
// status change.
type ChannelDue struct {
	Channel    string
	After      time.Duration
	LastChange *time.Time
	// Scheduled are the channel's statuses of a letter waiting on
	// purpose (a delivery the sender scheduled): a letter whose latest
	// word from the channel is one of them is never stuck or overdue.
	Scheduled []string
}

// UnitQuery bounds the unit facts. Every period ends at Now; a letter is
// due when it was sent at least its channel's After ago.
type UnitQuery struct {
	Now      time.Time
	Channels []ChannelDue
	Lookback time.Duration // stuck letters, and the last letters, within it
	Window   time.Duration // the recent letters (shares)
	Young    time.Duration // overdue letters whose changes are expected (channel_silent)
	Last     int           // how many of the unit's latest due letters to judge
}

// DropFacts is what unit_delivery_drop knows of one group of letters: a
// sending unit's (UnitFacts) or a sender system's (SystemFacts), on one
// channel for one sender.
type DropFacts struct {
	// The group's latest due letters (at most Last, within the lookback):
	// how many, how many reached the channel at all (were acknowledged by
	// it: accepted or further), since when.
	LastN       int        `db:"last_n"`
	LastReached int        `db:"last_reached"`
	LastFrom    *time.Time `db:"last_from"`
	// The channel's due letters (every group, this one's included) sent
	// since LastFrom, and how many of them reached it.
	ChannelSince        int `db:"channel_since"`
	ChannelReachedSince int `db:"channel_reached_since"`
	// The other groups' due letters sent within the last Window before the
	// due time, and how many reached the channel: the others of the same
	// time when the group's last letters are the channel's latest.
	OthersRecent        int `db:"others_recent"`
	OthersRecentReached int `db:"others_recent_reached"`
	// The group's earlier due letters within the lookback (its baseline),
	// and how many reached the channel.
	Baseline    int `db:"baseline"`
	BaseReached int `db:"base_reached"`
}

// UnitFacts is one sending unit's letters on one channel.
type UnitFacts struct {
	Channel   string `db:"channel"`
	UnitID    int64  `db:"sender_unit_id"`
	SenderOrg string `db:"sender_org"`
	Unit      string `db:"unit"`
	// Stuck letters: due, still registered or accepted without a
	// follow-up decision, sent within the lookback and due before the
	// channel's last status change.
	Stuck     int        `db:"stuck"`
	StuckFrom *time.Time `db:"stuck_from"`
	StuckTo   *time.Time `db:"stuck_to"`
	// Of the due letters sent within the window: how many, and how many of
	// them are stuck.
	Recent      int `db:"recent"`
	StuckRecent int `db:"stuck_recent"`
	// Overdue letters sent within Young (channel_silent's letters), and
	// those of them sent after the channel's last status change: the
	// rule's evidence of a silence (a letter sent before it, which the
	// channel could have moved and did not, while nothing is sent after
	// it, at night, is the stuck rule's).
	OverdueYoung       int        `db:"overdue_young"`
	OverdueYoungFrom   *time.Time `db:"overdue_young_from"`
	OverdueAfterChange int        `db:"overdue_after_change"`
	// PendingAfterChange: the due letters within the lookback sent after
	// the channel's last status change, still registered or accepted
	// without a follow-up decision (Pending's, after the change): a
	// firing channel_silent holds on them once they grow older than Young
	// while the channel still changes nothing (a weekend).
	PendingAfterChange int `db:"pending_after_change"`
	// The unit's latest letters, the channel's and the other units' of
	// the same time, its baseline.
	DropFacts
	// Pending: the due letters within the lookback still registered or
	// accepted, without a follow-up decision.
	Pending     int        `db:"pending"`
	PendingFrom *time.Time `db:"pending_from"`
	// The sender systems of the stuck letters that never reached the
	// channel ("" for a stuck letter the channel accepted, which no sender
	// system's drop explains), and of the pending ones that never reached
	// it (still registered) ("" also for letters registered before
	// postvakt kept the system): when a sender system's drop explains all
	// of them, the rules say so once, for the system.
	StuckSystems   pq.StringArray `db:"stuck_systems"`
	DroppedSystems pq.StringArray `db:"dropped_systems"`
}

// UnitFacts reads the unit facts: per channel and sending unit, over the
// letters sent since the longest of the periods.
func (s *Store) UnitFacts(ctx context.Context, q UnitQuery) ([]UnitFacts, error) {
	if len(q.Channels) == 0 {
		return nil, nil
	}
	n := len(q.Channels)
	names, secs, last, sched := make([]string, n), make([]float64, n), make([]*time.Time, n), make([]bool, n)
	statuses := []string{}
	for i, c := range q.Channels {
		names[i], secs[i], last[i], sched[i] = c.Channel, c.After.Seconds(), c.LastChange, len(c.Scheduled) > 0
		statuses = append(statuses, c.Scheduled...)
	}
	from := q.Now.Add(-max(q.Lookback, q.Window, q.Young))
	var out []UnitFacts
	err := s.selectNoJIT(ctx, &out, `WITH ch AS (
			SELECT * FROM unnest($1::text[], $2::float8[], $3::timestamptz[], $11::boolean[]) WITH ORDINALITY AS ch(channel, t, last_change, sched, cn)),
		w AS MATERIALIZED (
			-- cn, the channel's number, is what the windows partition by:
			-- sorting by a text column costs a collation per comparison.
			SELECT ch.cn, s.sender_unit_id, s.sent_at, s.sender_system,
				s.state = 'registered' AS unreached,
				`+sqlJudged+` AS judged,
				s.state IN ('registered', 'accepted')
					-- on paper (printed by the channel or postvakt), closed,
					-- in the recipient's own system: no follow-up needed
					AND s.stage NOT IN (`+sqlUnreadSettled+`)
					AND f.shipment_id IS NULL
					AND NOT (ch.sched AND `+strings.Replace(sqlScheduled, "?", "$10", 1)+`)
					-- held for a publication the sender asked for, and
					-- published less than the channel's T ago (or ahead):
					-- due from its publication, not its sending
					AND NOT COALESCE(s.held_until > $4::timestamptz - make_interval(secs => ch.t), false) AS pending,
				s.sent_at <= $4::timestamptz - make_interval(secs => ch.t) AS due,
				s.sent_at <= $4::timestamptz - make_interval(secs => ch.t)
					AND s.sent_at > $4::timestamptz - make_interval(secs => ch.t + $12) AS due_recent,
				s.sent_at <= ch.last_change - make_interval(secs => ch.t) AS before_change,
				-- sent after the channel's last change: nothing since shows
				-- the channel alive for it (channel_silent's letters; one
				-- the channel moved past is stuck, not silent)
				ch.last_change IS NULL OR s.sent_at > ch.last_change AS after_change
			FROM shipments s JOIN ch ON ch.channel = s.channel
				-- a decided follow-up (at most one per letter): one hash
				-- join, not a look-up per letter
				LEFT JOIN followups f ON f.shipment_id = s.id AND f.decision IS NOT NULL
				LEFT JOIN poll_queue q ON q.shipment_id = s.id
			WHERE s.sent_at >= $5 AND s.sent_at <= $4),
		r AS (
			-- rn: the rank of a due letter within the lookback among its
			-- unit's, newest first.
			SELECT w.*, CASE WHEN w.due AND w.judged AND w.sent_at >= $6 THEN
					count(*) FILTER (WHERE w.due AND w.judged AND w.sent_at >= $6) OVER (PARTITION BY w.cn, w.sender_unit_id ORDER BY w.sent_at DESC) END AS rn
			FROM w),
		g AS (
			-- Grouped in the windows' order (no second sort of the letters).
			SELECT cn, sender_unit_id,
				count(*) FILTER (WHERE pending AND due AND before_change AND judged AND sent_at >= $6) AS stuck,
				min(sent_at) FILTER (WHERE pending AND due AND before_change AND judged AND sent_at >= $6) AS stuck_from,
				max(sent_at) FILTER (WHERE pending AND due AND before_change AND judged AND sent_at >= $6) AS stuck_to,
				count(*) FILTER (WHERE due AND sent_at >= $7) AS recent,
				count(*) FILTER (WHERE pending AND due AND before_change AND judged AND sent_at >= $7) AS stuck_recent,
				count(*) FILTER (WHERE pending AND due AND sent_at >= $8) AS overdue_young,
				min(sent_at) FILTER (WHERE pending AND due AND sent_at >= $8) AS overdue_young_from,
				count(*) FILTER (WHERE pending AND due AND after_change AND sent_at >= $8) AS overdue_after_change,
				count(*) FILTER (WHERE rn <= $9) AS last_n,
				count(*) FILTER (WHERE rn <= $9 AND NOT unreached) AS last_reached,
				min(sent_at) FILTER (WHERE rn <= $9) AS last_from,
				count(*) FILTER (WHERE due_recent AND judged) AS own_recent,
				count(*) FILTER (WHERE due_recent AND judged AND NOT unreached) AS own_recent_reached,
				count(*) FILTER (WHERE pending AND due AND sent_at >= $6) AS pending,
				count(*) FILTER (WHERE pending AND due AND after_change AND sent_at >= $6) AS pending_after_change,
				min(sent_at) FILTER (WHERE pending AND due AND sent_at >= $6) AS pending_from,
				count(*) FILTER (WHERE rn > $9) AS baseline,
				count(*) FILTER (WHERE rn > $9 AND NOT unreached) AS base_reached,
				array_agg(DISTINCT CASE WHEN unreached THEN sender_system ELSE '' END)
					FILTER (WHERE pending AND due AND before_change AND judged AND sent_at >= $6) AS stuck_systems,
				array_agg(DISTINCT sender_system) FILTER (WHERE pending AND due AND unreached AND sent_at >= $6) AS dropped_systems
			FROM r GROUP BY cn, sender_unit_id),
		`+sqlChannelSince+`
		SELECT ch.channel, g.sender_unit_id, g.stuck, g.stuck_from, g.stuck_to, g.recent, g.stuck_recent, g.overdue_young,
			g.overdue_young_from, g.overdue_after_change, g.pending_after_change, g.last_n, g.last_reached, g.last_from,
			COALESCE(cs.since, 0) AS channel_since, COALESCE(cs.reached_since, 0) AS channel_reached_since,
			ct.recent - g.own_recent AS others_recent, ct.recent_reached - g.own_recent_reached AS others_recent_reached, g.pending,
			g.pending_from, g.baseline, g.base_reached, g.stuck_systems, g.dropped_systems, o.orgnr AS sender_org, u.name AS unit
		FROM g JOIN ch ON ch.cn = g.cn JOIN ct ON ct.cn = g.cn
			LEFT JOIN b ON b.cn = g.cn LEFT JOIN cs ON cs.cn = g.cn AND cs.k = array_position(b.bounds, g.last_from)
			JOIN sender_units u ON u.id = g.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		ORDER BY ch.channel, o.orgnr, u.name`,
		pq.Array(names), pq.Array(secs), timesOrNull(last), q.Now, from,
		q.Now.Add(-q.Lookback), q.Now.Add(-q.Window), q.Now.Add(-q.Young), q.Last, pq.Array(statuses), pq.Array(sched), q.Window.Seconds())
	if err != nil {
		return nil, fmt.Errorf("read unit facts: %w", err)
	}
	return out, nil
}

// RejectionFacts is one channel, sending unit and class's letters sent in
// the window and over the baseline before it, with how many of each were
// rejected or failed.
type RejectionFacts struct {
	Channel       string     `db:"channel"`
	SenderOrg     string     `db:"sender_org"`
	Unit          string     `db:"unit"`
	Class         string     `db:"class"`
	Window        int        `db:"window"`
	WindowBad     int        `db:"window_bad"`
	WindowBadFrom *time.Time `db:"window_bad_from"`
	Baseline      int        `db:"baseline"`
	BaselineBad   int        `db:"baseline_bad"`
}

// RejectionFacts reads the letters sent in [now-window, now] and in the
// baseline before, per channel, sending unit and class.
func (s *Store) RejectionFacts(ctx context.Context, now time.Time, window, baseline time.Duration) ([]RejectionFacts, error) {
	var out []RejectionFacts
	err := s.db.SelectContext(ctx, &out, `WITH g AS (
			SELECT s.channel, s.sender_unit_id, s.class,
				count(*) FILTER (WHERE s.sent_at >= $2) AS window,
				count(*) FILTER (WHERE s.sent_at >= $2 AND s.state IN ('rejected', 'failed')) AS window_bad,
				min(s.sent_at) FILTER (WHERE s.sent_at >= $2 AND s.state IN ('rejected', 'failed')) AS window_bad_from,
				count(*) FILTER (WHERE s.sent_at < $2) AS baseline,
				count(*) FILTER (WHERE s.sent_at < $2 AND s.state IN ('rejected', 'failed')) AS baseline_bad
			FROM shipments s WHERE s.sent_at >= $3 AND s.sent_at <= $1
			GROUP BY s.channel, s.sender_unit_id, s.class)
		SELECT g.channel, o.orgnr AS sender_org, u.name AS unit, g.class, g.window, g.window_bad, g.window_bad_from,
			g.baseline, g.baseline_bad
		FROM g JOIN sender_units u ON u.id = g.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		ORDER BY g.channel, o.orgnr, u.name, g.class`, now, now.Add(-window), now.Add(-window-baseline))
	if err != nil {
		return nil, fmt.Errorf("read rejection facts: %w", err)
	}
	return out, nil
}

// OrgFacts is a receiving organisation whose latest confidential letters
// (at least the asked number, each sent long enough ago) are available and
// unopened:
// how many since its last opened one, and since when.
type OrgFacts struct {
	Org      string    `db:"org"`
	Unopened int       `db:"unopened"`
	From     time.Time `db:"first_sent"`
	// LastOpened is when it last opened a confidential letter (the
	// latest opening, by the letter's state change): the letters sent
	// before it are a backlog of an organisation that can read, not a
	// sign that nobody can. A business given the access role that opens
	// its oldest letter first no longer counts.
	LastOpened *time.Time `db:"last_opened"`
}

// NeverOpeningOrgs finds the receiving organisations that opened none of
// their latest (at least letters) confidential letters sent in
// [now-over, now-minAge], since they last opened one, and available (a letter exactly minAge old counts,
// as in the other rules and the lists' min_age). It reads the unopened letters'
// partial index only (shipments_unopened_conf: recipient, sent time and
// state), then each candidate's last opened letter.
func (s *Store) NeverOpeningOrgs(ctx context.Context, now time.Time, over, minAge time.Duration, letters int) ([]OrgFacts, error) {
	var out []OrgFacts
	// Candidates come from the unopened letters' partial index; only they
	// are looked at further (their last opened letter, then the letters
	// since).
	err := s.db.SelectContext(ctx, &out, `WITH u AS MATERIALIZED (
			SELECT s.recipient_id, s.sent_at, s.id FROM shipments s
			WHERE s.confidential AND s.state IN `+sqlOpenStates+` AND s.sent_at >= $1
				AND s.state = 'available' AND s.sent_at <= $2),
		cand AS MATERIALIZED (
			SELECT u.recipient_id FROM u JOIN recipients r ON r.id = u.recipient_id AND r.kind = 'org'
			GROUP BY u.recipient_id HAVING count(*) >= $3),
		lo AS MATERIALIZED (
			SELECT c.recipient_id, (SELECT max(GREATEST(o.sent_at, o.state_changed_at)) FROM shipments o
				WHERE o.recipient_id = c.recipient_id AND o.confidential AND o.state = 'opened') AS last_opened
			FROM cand c),
		n AS (
			SELECT lo.recipient_id, lo.last_opened, count(*) AS unopened, min(u.sent_at) AS first_sent
			FROM lo JOIN u ON u.recipient_id = lo.recipient_id
				-- a letter delivered into the organisation's own system
				-- is never told read: it says nothing of its access (the
				-- candidates' letters alone are looked up)
				JOIN shipments x ON x.id = u.id AND x.stage <> `+sqlStage(model.StageRecipientSystem)+`
			WHERE lo.last_opened IS NULL OR u.sent_at > lo.last_opened
			GROUP BY lo.recipient_id, lo.last_opened HAVING count(*) >= $3)
		SELECT r.ident AS org, n.unopened, n.first_sent, n.last_opened
		FROM n JOIN recipients r ON r.id = n.recipient_id ORDER BY r.ident`,
		now.Add(-over), now.Add(-minAge), letters)
	if err != nil {
		return nil, fmt.Errorf("find never-opening organisations: %w", err)
	}
	return out, nil
}

// UnitManager returns the manager address of a sending unit ("" when it
// has none or is unknown).
func (s *Store) UnitManager(ctx context.Context, senderOrg, unit string) (string, error) {
	var email []string
	err := s.db.SelectContext(ctx, &email, `SELECT u.manager_email FROM sender_units u
		JOIN sender_orgs o ON o.id = u.sender_org_id WHERE o.orgnr = $1 AND u.name = $2`, senderOrg, unit)
	if err != nil {
		return "", fmt.Errorf("look up the manager of a unit of %s: %w", senderOrg, err)
	}
	if len(email) == 0 {
		return "", nil
	}
	return email[0], nil
}

// UnitID is a sending unit's row id (sender_units.id) by its organisation
// and name, 0 for none: what an alert names its unit by wherever it leaves
// postvakt (its name says what its letters are about). An alert read from
// the store has it (Alert.UnitID); a dry run's new alert, never stored,
// looks it up here.
func (s *Store) UnitID(ctx context.Context, senderOrg, unit string) (int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT u.id FROM sender_units u
		JOIN sender_orgs o ON o.id = u.sender_org_id WHERE o.orgnr = $1 AND u.name = $2`, senderOrg, unit)
	if err != nil {
		return 0, fmt.Errorf("look up the id of a unit of %s: %w", senderOrg, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// selectNoJIT is SelectContext with PostgreSQL's JIT compilation off for
// the one query (SET LOCAL, in a transaction of its own). The unit and
// system facts read every letter of the lookback once; their estimated
// cost (a scheduled-status look-up priced per letter) sets off JIT with
// inlining and optimisation, which took 2 to 9 s of a 25 s evaluation at
// 1,000,000 letters and is never paid back by a query run once.
func (s *Store) selectNoJIT(ctx context.Context, dest any, query string, args ...any) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		return tx.SelectContext(ctx, dest, query, args...)
	})
}
