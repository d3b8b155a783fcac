package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// SystemFacts is one sender system's letters on one channel (a sender
// system is the system that registered them, shipments.sender_system):
// what the unit_delivery_drop rule judges per system, as UnitFacts has it
// per sending unit. Copenhagen's December 2019 letters were one system's
// (SEPO), sent by 157 units that also sent through other systems: per unit
// the drop hid among the letters that arrived.
type SystemFacts struct {
	Channel   string `db:"channel"`
	SenderOrg string `db:"sender_org"`
	System    string `db:"system"`
	// The system's latest letters, the channel's and the other systems'
	// of the same time, its baseline.
	DropFacts
	// Dropped: the due letters within the lookback that never reached the
	// channel (still registered), without a follow-up decision.
	Dropped     int        `db:"dropped"`
	DroppedFrom *time.Time `db:"dropped_from"`
	// OverdueAfterChange: as UnitFacts', the system's (channel_silent
	// leaves a dropping system's letters out; UnitQuery.Young within the
	// lookback).
	OverdueAfterChange int `db:"overdue_after_change"`
	// PendingAfterChange: as UnitFacts', the system's (within the
	// lookback).
	PendingAfterChange int `db:"pending_after_change"`
}

// SystemFacts reads the system facts: per channel, sender organisation and
// sender system, over the letters sent within the lookback (Young is not
// used). Letters without a sender system (registered before
// postvakt kept it) are left out.
func (s *Store) SystemFacts(ctx context.Context, q UnitQuery) ([]SystemFacts, error) {
	if len(q.Channels) == 0 {
		return nil, nil
	}
	n := len(q.Channels)
	names, secs, sched, last := make([]string, n), make([]float64, n), make([]bool, n), make([]*time.Time, n)
	statuses := []string{}
	for i, c := range q.Channels {
		names[i], secs[i], sched[i], last[i] = c.Channel, c.After.Seconds(), len(c.Scheduled) > 0, c.LastChange
		statuses = append(statuses, c.Scheduled...)
	}
	var out []SystemFacts
	err := s.selectNoJIT(ctx, &out, `WITH ch AS (
			SELECT * FROM unnest($1::text[], $2::float8[], $7::boolean[], $9::timestamptz[]) WITH ORDINALITY AS ch(channel, t, sched, last_change, cn)),
		w AS MATERIALIZED (
			SELECT ch.cn, u.sender_org_id, s.sender_system, s.sent_at,
				s.state = 'registered' AS unreached,
				`+sqlJudged+` AS judged,
				s.state IN ('registered', 'accepted')
					-- on paper (printed by the channel or postvakt), closed,
					-- in the recipient's own system: no follow-up needed
					AND s.stage NOT IN (`+sqlUnreadSettled+`)
					AND f.shipment_id IS NULL
					AND NOT (ch.sched AND `+strings.Replace(sqlScheduled, "?", "$6", 1)+`)
					AND NOT COALESCE(s.held_until > $3::timestamptz - make_interval(secs => ch.t), false) AS pending,
				s.sent_at <= $3::timestamptz - make_interval(secs => ch.t) AS due,
				s.sent_at <= $3::timestamptz - make_interval(secs => ch.t)
					AND s.sent_at > $3::timestamptz - make_interval(secs => ch.t + $8) AS due_recent,
				ch.last_change IS NULL OR s.sent_at > ch.last_change AS after_change
			FROM shipments s JOIN ch ON ch.channel = s.channel JOIN sender_units u ON u.id = s.sender_unit_id
				LEFT JOIN followups f ON f.shipment_id = s.id AND f.decision IS NOT NULL
				LEFT JOIN poll_queue q ON q.shipment_id = s.id
			WHERE s.sent_at >= $4 AND s.sent_at <= $3),
		r AS (
			-- rn: the rank of a due letter among its system's, newest first
			-- (the system's name in the C collation: no collation cost per
			-- comparison).
			SELECT w.*, CASE WHEN w.due AND w.judged THEN
					count(*) FILTER (WHERE w.due AND w.judged) OVER (PARTITION BY w.cn, w.sender_org_id, w.sender_system COLLATE "C" ORDER BY w.sent_at DESC) END AS rn
			FROM w WHERE w.sender_system <> ''),
		g AS (
			SELECT cn, sender_org_id, sender_system,
				count(*) FILTER (WHERE rn <= $5) AS last_n,
				count(*) FILTER (WHERE rn <= $5 AND NOT unreached) AS last_reached,
				min(sent_at) FILTER (WHERE rn <= $5) AS last_from,
				count(*) FILTER (WHERE due_recent AND judged) AS own_recent,
				count(*) FILTER (WHERE due_recent AND judged AND NOT unreached) AS own_recent_reached,
				count(*) FILTER (WHERE pending AND due AND unreached) AS dropped,
				min(sent_at) FILTER (WHERE pending AND due AND unreached) AS dropped_from,
				count(*) FILTER (WHERE pending AND due AND after_change AND sent_at >= $10) AS overdue_after_change,
				count(*) FILTER (WHERE pending AND due AND after_change) AS pending_after_change,
				count(*) FILTER (WHERE rn > $5) AS baseline,
				count(*) FILTER (WHERE rn > $5 AND NOT unreached) AS base_reached
			FROM r GROUP BY cn, sender_org_id, sender_system),
		`+sqlChannelSince+`
		SELECT ch.channel, o.orgnr AS sender_org, g.sender_system AS system, g.last_n, g.last_reached, g.last_from,
			COALESCE(cs.since, 0) AS channel_since, COALESCE(cs.reached_since, 0) AS channel_reached_since,
			ct.recent - g.own_recent AS others_recent, ct.recent_reached - g.own_recent_reached AS others_recent_reached,
			g.dropped, g.dropped_from, g.overdue_after_change, g.pending_after_change, g.baseline, g.base_reached
		FROM g JOIN ch ON ch.cn = g.cn JOIN ct ON ct.cn = g.cn
			LEFT JOIN b ON b.cn = g.cn LEFT JOIN cs ON cs.cn = g.cn AND cs.k = array_position(b.bounds, g.last_from)
			JOIN sender_orgs o ON o.id = g.sender_org_id
		ORDER BY ch.channel, o.orgnr, g.sender_system`,
		pq.Array(names), pq.Array(secs), q.Now, q.Now.Add(-q.Lookback), q.Last, pq.Array(statuses), pq.Array(sched), q.Window.Seconds(),
		timesOrNull(last), q.Now.Add(-q.Young))
	if err != nil {
		return nil, fmt.Errorf("read sender system facts: %w", err)
	}
	return out, nil
}

// sqlJudged is true for a letter unit_delivery_drop may judge: the channel
// has told of it (a state, a status), or said it does not know it
// (unknown_to_channel_since), or postvakt has read the channel's word on it
// (a feed channel's log read over its time: its poll_queue row's next poll
// cleared). A letter registered and not yet asked about — a back-fill
// imported a moment ago, the poller not round to it — is neither reached
// nor unreached: counted, it would be a unit whose letters the channel never
// heard of, before the channel was asked. The stuck and silent rules count
// it as before.
const sqlJudged = `(s.state <> 'registered' OR s.unknown_to_channel_since IS NOT NULL OR s.channel_status <> '' OR q.next_poll_at IS NULL)`

// sqlChannelSince are the channel's figures a drop is judged against,
// over the due letters w of the health facts (UnitFacts, SystemFacts) and
// their groups g (a unit's or a system's letters, with last_from, the
// oldest of its last letters): cs.since and cs.reached_since, the
// channel's due letters sent at or after a group's last_from and how many
// of them reached the channel (cs.k is the last_from's place in b.bounds);
// ct.recent and ct.recent_reached, the channel's due letters of the recent
// window and how many reached it. The letters are counted once, per
// channel and per span between two groups' last_from (width_bucket), and
// the spans summed newest first: no sort of the letters by time (a window
// over every letter of the lookback sorted them all, and spilled to disk
// at 1,000,000 letters).
const sqlChannelSince = `b AS (
			SELECT cn, array_agg(DISTINCT last_from ORDER BY last_from) AS bounds
			FROM g WHERE last_from IS NOT NULL GROUP BY cn),
		c AS (
			SELECT w.cn, width_bucket(w.sent_at, b.bounds) AS k,
				count(*) FILTER (WHERE w.due AND w.judged) AS due_n,
				count(*) FILTER (WHERE w.due AND w.judged AND NOT w.unreached) AS reached_n,
				count(*) FILTER (WHERE w.due_recent AND w.judged) AS recent_n,
				count(*) FILTER (WHERE w.due_recent AND w.judged AND NOT w.unreached) AS recent_reached_n
			FROM w LEFT JOIN b ON b.cn = w.cn GROUP BY 1, 2),
		cs AS (
			SELECT cn, k, (sum(due_n) OVER (PARTITION BY cn ORDER BY k DESC))::bigint AS since,
				(sum(reached_n) OVER (PARTITION BY cn ORDER BY k DESC))::bigint AS reached_since
			FROM c),
		ct AS (
			SELECT cn, sum(recent_n)::bigint AS recent, sum(recent_reached_n)::bigint AS recent_reached
			FROM c GROUP BY cn)`
