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
	names, secs, sched := make([]string, n), make([]float64, n), make([]bool, n)
	statuses := []string{}
	for i, c := range q.Channels {
		names[i], secs[i], sched[i] = c.Channel, c.After.Seconds(), len(c.Scheduled) > 0
		statuses = append(statuses, c.Scheduled...)
	}
	var out []SystemFacts
	err := s.db.SelectContext(ctx, &out, `WITH ch AS (
			SELECT * FROM unnest($1::text[], $2::float8[], $7::boolean[]) WITH ORDINALITY AS ch(channel, t, sched, cn)),
		w AS (
			SELECT ch.cn, u.sender_org_id, s.sender_system, s.sent_at,
				s.state = 'registered' AS unreached,
				s.state IN ('registered', 'accepted') AND s.stage NOT IN (`+sqlEnded+`)
					AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.shipment_id = s.id AND f.decision IS NOT NULL)
					AND NOT (ch.sched AND `+strings.Replace(sqlScheduled, "?", "$6", 1)+`) AS pending,
				s.sent_at <= $3::timestamptz - make_interval(secs => ch.t) AS due,
				s.sent_at <= $3::timestamptz - make_interval(secs => ch.t)
					AND s.sent_at > $3::timestamptz - make_interval(secs => ch.t + $8) AS due_recent
			FROM shipments s JOIN ch ON ch.channel = s.channel JOIN sender_units u ON u.id = s.sender_unit_id
			WHERE s.sent_at >= $4 AND s.sent_at <= $3),
		r AS (
			-- rn: the rank of a due letter among its system's, newest first
			-- (the system's name in the C collation: no collation cost per
			-- comparison); ch_since and ch_reached_since: the channel's due
			-- letters (all systems) sent at or after it, and how many of
			-- them reached the channel.
			SELECT w.*, CASE WHEN w.due THEN
					count(*) FILTER (WHERE w.due) OVER (PARTITION BY w.cn, w.sender_org_id, w.sender_system COLLATE "C" ORDER BY w.sent_at DESC) END AS rn,
				`+sqlChannelWindows+`
			FROM w),
		g AS (
			SELECT cn, sender_org_id, sender_system,
				count(*) FILTER (WHERE rn <= $5) AS last_n,
				count(*) FILTER (WHERE rn <= $5 AND NOT unreached) AS last_reached,
				min(sent_at) FILTER (WHERE rn <= $5) AS last_from,
				COALESCE(max(ch_since) FILTER (WHERE rn <= $5), 0) AS channel_since,
				COALESCE(max(ch_reached_since) FILTER (WHERE rn <= $5), 0) AS channel_reached_since,
				max(ch_recent) - count(*) FILTER (WHERE due_recent) AS others_recent,
				max(ch_recent_reached) - count(*) FILTER (WHERE due_recent AND NOT unreached) AS others_recent_reached,
				count(*) FILTER (WHERE pending AND due AND unreached) AS dropped,
				min(sent_at) FILTER (WHERE pending AND due AND unreached) AS dropped_from,
				count(*) FILTER (WHERE rn > $5) AS baseline,
				count(*) FILTER (WHERE rn > $5 AND NOT unreached) AS base_reached
			FROM r WHERE sender_system <> '' GROUP BY cn, sender_org_id, sender_system)
		SELECT ch.channel, o.orgnr AS sender_org, g.sender_system AS system, g.last_n, g.last_reached, g.last_from,
			g.channel_since, g.channel_reached_since, g.others_recent, g.others_recent_reached, g.dropped, g.dropped_from, g.baseline, g.base_reached
		FROM g JOIN ch ON ch.cn = g.cn JOIN sender_orgs o ON o.id = g.sender_org_id
		ORDER BY ch.channel, o.orgnr, g.sender_system`,
		pq.Array(names), pq.Array(secs), q.Now, q.Now.Add(-q.Lookback), q.Last, pq.Array(statuses), pq.Array(sched), q.Window.Seconds())
	if err != nil {
		return nil, fmt.Errorf("read sender system facts: %w", err)
	}
	return out, nil
}

// sqlChannelWindows are the channel's columns a drop is judged against,
// over the due letters w of the health facts (UnitFacts, SystemFacts):
// ch_since and ch_reached_since, the channel's due letters sent at or after
// each letter and how many of them reached the channel; ch_recent and
// ch_recent_reached, the same over the recent window.
const sqlChannelWindows = `count(*) FILTER (WHERE w.due) OVER (PARTITION BY w.cn ORDER BY w.sent_at DESC) AS ch_since,
				count(*) FILTER (WHERE w.due AND NOT w.unreached) OVER (PARTITION BY w.cn ORDER BY w.sent_at DESC) AS ch_reached_since,
				count(*) FILTER (WHERE w.due_recent) OVER (PARTITION BY w.cn) AS ch_recent,
				count(*) FILTER (WHERE w.due_recent AND NOT w.unreached) OVER (PARTITION BY w.cn) AS ch_recent_reached`
