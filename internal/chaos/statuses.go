package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// checkStatuses: for every letter, the status the channel answered the last
// time it was asked is the one the database ends with, and the evidence
// log has it; and every status its evidence log has from the channel is
// one the channel answered for it (not another letter's, not one made up).
func checkStatuses(ctx context.Context, r *Report, db *sqlx.DB, sm *simulator, speed float64) error {
	type asked struct {
		at, until time.Time
	}
	last := map[string]asked{}
	answered := map[string]map[string]bool{} // letter → statuses the channel answered
	for _, rec := range sm.Requests() {
		if rec.Group != "svarut" || rec.Method != http.MethodPost || rec.Status != http.StatusOK {
			continue
		}
		// The answer was computed a moment after arrival; on the sped-up
		// clock that moment is worth a few simulated seconds.
		until := rec.Time.Add(time.Duration((rec.DurationMS + 50) * float64(time.Millisecond) * speed))
		for _, id := range rec.IDs {
			id = strings.ToLower(id)
			last[id] = asked{rec.Time, until}
			r.StatusAnswers++
			if answered[id] == nil {
				answered[id] = map[string]bool{}
			}
			for _, t := range []time.Time{rec.Time, until} {
				if st, ok := sm.StatusAt(id, t); ok {
					answered[id][st] = true
				}
			}
		}
	}
	for _, sts := range answered {
		if len(sts) > 1 {
			r.StatusChanges++
		}
	}
	var recorded []struct {
		ID        string `db:"id"`
		ChannelID string `db:"channel_id"`
		Status    string `db:"raw_status"`
	}
	if err := db.SelectContext(ctx, &recorded, `SELECT DISTINCT s.id, s.channel_id, e.raw_status
		FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id
		WHERE e.source = 'svarut' AND e.raw_status <> ''`); err != nil {
		return fmt.Errorf("read the statuses in the evidence log: %w", err)
	}
	for _, e := range recorded {
		if !answered[strings.ToLower(e.ChannelID)][e.Status] {
			r.Unreported++
			r.problem("letter %s: its evidence log has status %q, which the channel never answered for it", e.ID, e.Status)
		}
	}
	var letters []struct {
		ID        string `db:"id"`
		ChannelID string `db:"channel_id"`
		Status    string `db:"channel_status"`
		State     string `db:"state"`
		Evidence  bool   `db:"evidence"`
		Chain     bool   `db:"chain"`
	}
	if err := db.SelectContext(ctx, &letters, `SELECT s.id, s.channel_id, s.channel_status, s.state,
			s.channel_status = '' OR EXISTS (SELECT 1 FROM shipment_events e WHERE e.shipment_id = s.id AND e.raw_status = s.channel_status) AS evidence,
			s.state = COALESCE((SELECT e.to_state FROM shipment_events e WHERE e.shipment_id = s.id
				AND e.kind IN ('registered', 'state') ORDER BY e.id DESC LIMIT 1), '') AS chain
		FROM shipments s`); err != nil {
		return fmt.Errorf("read letters: %w", err)
	}
	for _, l := range letters {
		a, ok := last[strings.ToLower(l.ChannelID)]
		if !ok {
			r.NotPolled++
			r.problem("letter %s was never polled", l.ID)
			continue
		}
		want, _ := sm.StatusAt(l.ChannelID, a.at)
		later, _ := sm.StatusAt(l.ChannelID, a.until)
		if l.Status != want && l.Status != later {
			r.LostStatuses++
			r.problem("letter %s: the channel last said %q, the database has %q", l.ID, want, l.Status)
			continue
		}
		if !l.Evidence || !l.Chain {
			r.LostStatuses++
			r.problem("letter %s: state %s / status %q not at the end of its evidence log", l.ID, l.State, l.Status)
		}
	}
	return nil
}
