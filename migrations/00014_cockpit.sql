-- +goose Up

-- The compliance officer's cockpit (internal/store/overview.go, admin.go,
-- settle.go; internal/web).

-- One held print batch per sender organisation and policy, so that an
-- officer scoped to one organisation can always decide the batch that holds
-- its prints. Batches made before this keep a NULL organisation (they may
-- mix organisations; an unscoped officer decides them).
ALTER TABLE print_batches ADD COLUMN sender_org_id bigint REFERENCES sender_orgs(id);
UPDATE print_batches b SET sender_org_id = x.org
    FROM (SELECT po.batch_id, min(u.sender_org_id) AS org, count(DISTINCT u.sender_org_id) AS orgs
          FROM print_orders po JOIN shipments s ON s.id = po.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
          WHERE po.batch_id IS NOT NULL GROUP BY po.batch_id) x
    WHERE x.batch_id = b.id AND x.orgs = 1;
DROP INDEX print_batches_one_held;
CREATE UNIQUE INDEX print_batches_one_held ON print_batches (policy, sender_org_id) WHERE state = 'held';

-- API tokens: when each was last used (written at most once a minute per
-- token, so a busy integration does not write on every request).
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;

-- Users: the UI language ('' = the browser's), and who changed them last.
ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT '' CHECK (lang IN ('', 'nb', 'da', 'en'));

-- Manual handling settled from the UI: how, and a note.
ALTER TABLE print_manual
    ADD COLUMN resolution text NOT NULL DEFAULT ''
        CHECK (resolution IN ('', 'printed_by_hand', 'delivered_otherwise', 'not_needed')),
    ADD COLUMN note text NOT NULL DEFAULT '';
-- What escalation did this week (the overview): by creation time.
CREATE INDEX print_manual_created ON print_manual (created_at);
CREATE INDEX print_orders_created ON print_orders (created_at);
CREATE INDEX notifications_sent ON notifications (sent_at) WHERE status = 'sent';

-- The overview's rollups, refreshed with the list rollups
-- (store.RefreshListSummaries). Unopened confidential shipments per sending
-- unit, channel and day sent: the age buckets (in business days, computed
-- from the days with the calendar) and the unit's numbers.
CREATE MATERIALIZED VIEW overview_unopened_days AS
    SELECT s.sender_unit_id, s.channel, (s.sent_at AT TIME ZONE 'Europe/Oslo')::date AS day, count(*) AS n
    FROM shipments s
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY 1, 2, 3
    WITH NO DATA;
CREATE UNIQUE INDEX overview_unopened_days_key ON overview_unopened_days (sender_unit_id, channel, day);

-- Confidential shipments per sending unit, channel and week (Monday,
-- Europe/Oslo): how many were sent that week, how many of those were opened
-- within 7 days of sending (store.OpenedWithinDays), and how many left the
-- unopened set that week (opened, rejected, failed, expired: by the time of
-- their last state change). The unopened count at the end of a week is the
-- sum of sent minus the sum of closed up to that week.
CREATE MATERIALIZED VIEW overview_weeks AS
    SELECT sender_unit_id, channel, week, sum(sent)::bigint AS sent, sum(opened_within)::bigint AS opened_within,
        sum(closed)::bigint AS closed
    FROM (
        SELECT s.sender_unit_id, s.channel, date_trunc('week', s.sent_at AT TIME ZONE 'Europe/Oslo')::date AS week,
            1 AS sent,
            CASE WHEN s.state = 'opened' AND s.state_changed_at < s.sent_at + interval '7 days' THEN 1 ELSE 0 END AS opened_within,
            0 AS closed
        FROM shipments s WHERE s.confidential
        UNION ALL
        SELECT s.sender_unit_id, s.channel,
            date_trunc('week', GREATEST(s.state_changed_at, s.sent_at) AT TIME ZONE 'Europe/Oslo')::date, 0, 0, 1
        FROM shipments s
        WHERE s.confidential AND s.state NOT IN ('registered', 'accepted', 'available')
    ) x
    GROUP BY 1, 2, 3
    WITH NO DATA;
CREATE UNIQUE INDEX overview_weeks_key ON overview_weeks (sender_unit_id, channel, week);

-- The weekly rollup reads every confidential shipment, so it is refreshed
-- less often than the list rollups.
ALTER TABLE list_rollups ADD COLUMN overview_refreshed_at timestamptz;

-- +goose Down
ALTER TABLE list_rollups DROP COLUMN overview_refreshed_at;
DROP MATERIALIZED VIEW overview_weeks;
DROP MATERIALIZED VIEW overview_unopened_days;
DROP INDEX notifications_sent;
DROP INDEX print_orders_created;
DROP INDEX print_manual_created;
ALTER TABLE print_manual DROP COLUMN note, DROP COLUMN resolution;
ALTER TABLE users DROP COLUMN lang;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
DROP INDEX print_batches_one_held;
CREATE UNIQUE INDEX print_batches_one_held ON print_batches (policy) WHERE state = 'held';
ALTER TABLE print_batches DROP COLUMN sender_org_id;
