package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Incidents a Norwegian letter can be caught in, as /sim/shipments reports
// them in "incident": the truth a health check is measured against. A lost
// letter is IncidentProviderOutage, one delivered much later
// IncidentRedelivered, as a Danish letter (dpgen.go).
const (
	IncidentSilent      = "channel_silent"        // its delivery fell in a window in which the channel changed nothing
	IncidentUnitLost    = "never_reached_channel" // its unit's letters never reached the channel
	IncidentRejected    = "rejection_spike"       // rejected in a rejection spike
	IncidentNeverOpened = "never_opened"          // to an organisation that never opens (no access role)
)

// Incident is something that goes wrong with the Norwegian channels for a
// while, beyond the per-letter chances of Delivery. From and To bound the
// letters' sent times (silent: the window of simulated time), relative to
// the start or absolute.
type Incident struct {
	// Kind is one of:
	//   silent      the channel changes no status in [from, to): whatever
	//               would have happened then happens at `to` (a letter sent
	//               in the window is unknown to the channel until then)
	//   lost        of the letters sent in [from, to), `share` are accepted
	//               and then never delivered (Copenhagen, May 2020); of those,
	//               `redelivered_share` are delivered after `redeliver_delay`
	//   unit_lost   the letters `unit` sends in [from, to) never reach the
	//               channel at all (Copenhagen, December 2019)
	//   rejections  the letters sent in [from, to) (of `unit` and `class`
	//               when given) are rejected with `chance`
	//   access_granted  the organisations that never open get the access
	//               role: each of their available letters is opened at a
	//               time in [from, to)
	Kind    string  `yaml:"kind"`
	Channel string  `yaml:"channel"` // svarut or altinn; empty: both
	Unit    string  `yaml:"unit"`
	Class   string  `yaml:"class"`
	From    TimeRef `yaml:"from"`
	To      TimeRef `yaml:"to"`
	Share   float64 `yaml:"share"`
	Chance  float64 `yaml:"chance"`
	// RedeliveredShare and RedeliverDelay: of lost letters, the share the
	// provider delivers after all, and when.
	RedeliveredShare float64 `yaml:"redelivered_share"`
	RedeliverDelay   Dist    `yaml:"redeliver_delay"`
}

var incidentKinds = []string{"silent", "lost", "unit_lost", "rejections", "access_granted"}

func (in *Incident) validate(i int, bad func(format string, args ...any)) {
	p := fmt.Sprintf("incidents[%d]", i)
	known := false
	for _, k := range incidentKinds {
		known = known || k == in.Kind
	}
	if !known {
		bad("%s.kind %q is not one of %s", p, in.Kind, strings.Join(incidentKinds, ", "))
	}
	if in.Channel != "" && in.Channel != "svarut" && in.Channel != "altinn" {
		bad("%s.channel %q is not svarut or altinn", p, in.Channel)
	}
	if !in.From.set || !in.To.set {
		bad("%s: from and to are required", p)
	}
	if in.Kind == "unit_lost" && in.Unit == "" {
		bad("%s: unit_lost needs unit", p)
	}
	for _, c := range []struct {
		f string
		v float64
	}{{"share", in.Share}, {"chance", in.Chance}, {"redelivered_share", in.RedeliveredShare}} {
		if c.v < 0 || c.v > 1 {
			bad("%s.%s must be between 0 and 1", p, c.f)
		}
	}
	if in.Kind == "lost" && in.RedeliveredShare > 0 && !in.RedeliverDelay.set {
		bad("%s: redelivered_share needs redeliver_delay", p)
	}
}

// verdicts are the statuses by which a letter reached the channel's
// verdict: delivered, or not deliverable.
var verdicts = map[string]bool{svVarslet: true, svSendtSDP: true, svIkkeLevert: true, svAvvist: true,
	alPublished: true, alFailed: true, alReserved: true}

// delivered are the statuses by which a letter became available.
var delivered = map[string]bool{svVarslet: true, svSendtSDP: true, alPublished: true}

// accepted is the status a channel gives a letter it took in.
var accepted = map[string]string{"svarut": svAkseptert, "altinn": alReadyForPublish}

// applyIncidents rewrites the timelines the scenario's incidents touch
// and marks those letters, drawing from its own stream (every letter the
// same number of draws per incident).
func (w *world) applyIncidents(sc *Scenario, r *rand.Rand) {
	for _, in := range sc.Incidents {
		from, to := in.From.resolve(w.start), in.To.resolve(w.start)
		for _, s := range w.shipments {
			u1, u2 := r.Float64(), r.Float64()
			delay := time.Duration(0)
			if in.RedeliverDelay.set {
				delay = in.RedeliverDelay.draw(r)
			}
			if in.Channel != "" && s.channel != in.Channel {
				continue
			}
			switch in.Kind {
			case "silent":
				w.silence(s, from, to)
			case "lost":
				if s.sent.Before(from) || !s.sent.Before(to) || u1 >= in.Share {
					continue
				}
				w.lose(s, u2 < in.RedeliveredShare, delay)
			case "unit_lost":
				if s.unit == in.Unit && !s.sent.Before(from) && s.sent.Before(to) {
					s.events, s.incident = nil, IncidentUnitLost
				}
			case "access_granted":
				if s.org != nil && s.org.neverOpen {
					w.grantAccess(s, from.Add(time.Duration(u1*float64(to.Sub(from)))))
				}
			case "rejections":
				if s.sent.Before(from) || !s.sent.Before(to) || u1 >= in.Chance ||
					(in.Unit != "" && s.unit != in.Unit) || (in.Class != "" && s.class != in.Class) {
					continue
				}
				w.reject(s)
			}
		}
	}
	for _, s := range w.shipments {
		if s.incident == "" && s.org != nil && s.org.neverOpen && s.confidential {
			s.incident = IncidentNeverOpened
		}
	}
}

// notKnown reports whether the channel never heard of the letter: the
// sender's system never sent it (the never_sent poison), or its unit's
// letters never reached the channel (unit_lost). The channel answers about
// it as about an id it does not have: left out of a status search, 404 for
// its details and history, not listed.
func (sh *shipment) notKnown() bool {
	return sh.poison == poisonNeverSent || sh.incident == IncidentUnitLost
}

// silence moves every event in [from, to) to to; a letter whose verdict
// fell in the window is marked.
func (w *world) silence(s *shipment, from, to time.Time) {
	touched := false
	for i := range s.events {
		e := &s.events[i]
		if e.at.Before(from) || !e.at.Before(to) {
			continue
		}
		if verdicts[e.status] {
			touched = true
		}
		e.at = to
	}
	sortEvents(s.events)
	if touched && s.incident == "" {
		s.incident = IncidentSilent
	}
}

// lose keeps a letter's events up to its acceptance; a letter that would
// have been delivered is then lost, or delivered after delay.
func (w *world) lose(s *shipment, redeliver bool, delay time.Duration) {
	cut := -1
	for i, e := range s.events {
		if delivered[e.status] {
			cut = i
			break
		}
	}
	if cut < 0 {
		return // rejected or failed anyway: nothing to lose
	}
	if !redeliver {
		s.events, s.incident = s.events[:cut], IncidentProviderOutage
		return
	}
	for i := cut; i < len(s.events); i++ {
		s.events[i].at = s.events[i].at.Add(delay)
	}
	s.incident = IncidentRedelivered
}

// reject makes a letter rejected when the channel takes it in.
func (w *world) reject(s *shipment) {
	if len(s.events) == 0 {
		return
	}
	first := s.events[0]
	at := first.at.Add(time.Minute)
	for _, e := range s.events[1:] {
		if e.status == accepted[s.channel] {
			at = e.at
			break
		}
	}
	if s.channel == "altinn" {
		s.events = []event{first, {at: at, status: alFailed, text: "Correspondence failed validation and was not published"}}
	} else {
		s.events = []event{first, {at: at, status: svAvvist, text: "Avvist: forsendelsen ble avvist under ekspedering"}}
	}
	sort.SliceStable(s.events, func(i, j int) bool { return s.events[i].at.Before(s.events[j].at) })
	s.incident = IncidentRejected
}

// grantAccess opens a letter of an organisation that never opened at at
// (or when it became available, if later).
func (w *world) grantAccess(s *shipment, at time.Time) {
	for _, e := range s.events {
		switch e.status {
		case svLest, alRead:
			return
		case svVarslet, alPublished:
			if e.at.After(at) {
				at = e.at
			}
		}
	}
	if len(s.events) == 0 || !delivered[s.events[len(s.events)-1].status] {
		return
	}
	if s.channel == "altinn" {
		s.events = append(s.events, event{at: at, status: alFetched, text: "Correspondence fetched by recipient"},
			event{at: at.Add(time.Minute), status: alRead, text: "Correspondence read by recipient"})
	} else {
		s.events = append(s.events, event{at: at, status: svLest, text: "Lest av mottaker"})
	}
	sortEvents(s.events)
}
