package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Digital Post event tags the simulator writes (names from the NgDP API's
// EventTag enum, see the specs README).
const (
	dpReceived         = "MEMO_SEND_RECEIVED"
	dpValidated        = "MEMO_SEND_VALIDATED"
	dpDelayedAwaiting  = "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"
	dpDelayedSent      = "DELAYED_MEMO_SEND_SENT"
	dpValidationFailed = "MEMO_SEND_VALIDATION_FAILED"
	dpSendFailed       = "MEMO_SEND_FAILED"
	dpAvailable        = "MEMO_AVAILABLE_TO_RECIPIENT"
	dpToSystem         = "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM"
	dpFetchedBySystem  = "MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM"
	dpRead             = "MESSAGE_READ"
	dpPhysicalDecided  = "UNOPENED_MAIL_AS_PHYSICAL_POST"
	dpPhysicalSent     = "UNOPENED_MAIL_SENT_AS_PHYSICAL_POST"
	dpNotPhysical      = "UNOPENED_MAIL_NOT_AS_PHYSICAL_POST"
	dpRecalled         = "MEMO_SEND_RECALLED"
	dpSearches         = "EVENT_LOG_SEARCHES"
	// dpSimUnknown is made up: a tag no adapter can know, standing for the
	// log's many tags that mean nothing for a sent letter's delivery.
	dpSimUnknown = "SIM_UNDOCUMENTED_EVENT"
)

// Incidents a Danish letter can be caught in, as /sim/shipments reports them.
const (
	IncidentProviderOutage = "provider_outage"             // validated, then never available
	IncidentRedelivered    = "provider_outage_redelivered" // caught by an outage, re-delivered later
	IncidentNeverArrived   = "never_reached_digital_post"  // the sending unit's or sender system's letters never arrived: no events
	IncidentHeld           = "held_by_sender_system"       // the sender system held the letter: it reached Digital Post late
)

// Time shapes of an event ("odd" ones the adapter must still read).
const (
	timeNormal  = iota // 2023-08-25T00:49:34.437Z
	timeOffset         // 2023-08-25T00:49:34.437+0000
	timeEpochMS        // 1692924574437 (a JSON number)
	timeGarbage        // "yesterday": not a time at all (a broken event)
	timeNoID           // the entry lacks its id (a broken event)
	timeNumOfKinds
)

// dpEvent is one entry of the event log.
type dpEvent struct {
	id, eventID, rootID string
	tag                 string
	at                  time.Time // eventTime
	created             time.Time // when the log stored it
	visible             time.Time // when searches start to list it (>= created)
	shape               int       // one of the time shapes
	owner               string
	letter              *dpLetter // nil for EVENT_LOG_SEARCHES
}

// dpLetter is one Danish letter and its events, by eventTime.
type dpLetter struct {
	uuid, messageID, transmissionID string
	unit                            string
	system                          string // the sender system that registers it with postvakt
	kind                            string // org or person
	recipientID                     string
	contactPoint                    string
	title                           string
	confidential                    bool
	sent                            time.Time
	incident                        string
	events                          []*dpEvent
}

// dpWorld is the Danish side of the world and the event log.
type dpWorld struct {
	sc         *DigitalPost
	systemID   string
	letters    []*dpLetter // by sent time
	byUUID     map[string]*dpLetter
	log        []*dpEvent // every listing, by created then id; a duplicate is listed twice
	mu         sync.Mutex
	searchLogs []*dpEvent // EVENT_LOG_SEARCHES events made by queries
	searchRand *rand.Rand
}

var dpTitles = []string{
	"Afgørelse om boligstøtte", "Indkaldelse til møde", "Partshøring", "Uddannelsesparathedsvurdering",
	"Indkaldelse fra Tandplejen", "Afgørelse om dagpleje", "Indkaldelse til sygefraværssamtale",
	"Kvittering for ansøgning", "Afgørelse om tilskud til privat pasning", "Varsel om tilsyn",
	"Påbud om udbedring", "Afgørelse om byggetilladelse",
}

// genDigitalPost draws the Danish letters and their events.
func genDigitalPost(d *DigitalPost, seed int64, start time.Time) (*dpWorld, error) {
	from, to := d.SentFrom.resolve(start), d.SentTo.resolve(start)
	if to.Before(from) {
		return nil, fmt.Errorf("generate: digitalpost.sent_to (%s) is before sent_from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	dw := &dpWorld{sc: d, byUUID: map[string]*dpLetter{}, searchRand: derivedRand(seed, "digitalpost", "searches")}
	dw.systemID = newUUID(derivedRand(seed, "digitalpost", "system"))
	rr := derivedRand(seed, "digitalpost", "recipients")
	companies := make([]string, 0, d.Companies)
	seen := map[string]bool{d.Sender.CVR: true}
	for len(companies) < d.Companies {
		c := newCVR(rr)
		if !seen[c] {
			seen[c] = true
			companies = append(companies, c)
		}
	}
	citizens := make([]string, 0, d.Citizens)
	for len(citizens) < d.Citizens {
		c := newCPR(rr)
		if !seen[c] {
			seen[c] = true
			citizens = append(citizens, c)
		}
	}
	r := derivedRand(seed, "digitalpost", "letters")
	lr := derivedRand(seed, "digitalpost", "log")
	span := to.Sub(from)
	sent := make([]time.Time, d.Letters)
	for i := range sent {
		sent[i] = from.Add(time.Duration(r.Float64() * float64(span))).Truncate(time.Millisecond)
	}
	sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })
	lost := map[string]bool{}
	for _, u := range d.LostUnits {
		lost[u] = true
	}
	// The systems are drawn from their own stream: scenarios without
	// several systems are generated exactly as before.
	sr := derivedRand(seed, "digitalpost", "systems")
	for i := 0; i < d.Letters; i++ {
		l := &dpLetter{uuid: newUUID(r), transmissionID: newUUID(r), sent: sent[i]}
		l.unit = d.Sender.Units[r.IntN(len(d.Sender.Units))]
		l.messageID = fmt.Sprintf("KK-%d-%06d", sent[i].Year(), 1+r.IntN(999999))
		l.title = dpTitles[r.IntN(len(dpTitles))]
		l.confidential = r.Float64() < d.ConfidentialShare
		uKind, uCompany, uCitizen, uContact := r.Float64(), r.IntN(max(len(companies), 1)), r.IntN(max(len(citizens), 1)), r.Float64()
		if uKind < d.CitizenShare {
			l.kind, l.recipientID = "person", citizens[uCitizen]
		} else {
			l.kind, l.recipientID = "org", companies[uCompany]
			if uContact < 0.3 {
				l.contactPoint = newUUID(r)
			}
		}
		l.system = pickSystem(sr, d, l.unit)
		held := slices.IndexFunc(d.LostSystems, func(ls DPLostSystem) bool { return ls.lost(l.system, l.sent, start) })
		if held >= 0 && d.LostSystems[held].Release > 0 {
			// Held, then sent: the letter's events follow from its release.
			sent := l.sent
			l.sent = d.LostSystems[held].To.resolve(start).Add(time.Duration(d.LostSystems[held].Release))
			dw.timeline(r, l, start)
			l.sent, l.incident = sent, IncidentHeld
		} else {
			dw.timeline(r, l, start)
		}
		if lost[l.unit] || (held >= 0 && d.LostSystems[held].Release == 0) {
			l.incident, l.events = IncidentNeverArrived, nil
		}
		dw.logEvents(lr, l)
		dw.letters = append(dw.letters, l)
		dw.byUUID[l.uuid] = l
	}
	sort.SliceStable(dw.log, func(i, j int) bool {
		if !dw.log[i].created.Equal(dw.log[j].created) {
			return dw.log[i].created.Before(dw.log[j].created)
		}
		return dw.log[i].id < dw.log[j].id
	})
	return dw, nil
}

// pickSystem draws the system that registers a letter of unit, by the
// systems' shares.
func pickSystem(r *rand.Rand, d *DigitalPost, unit string) string {
	names, weights := d.systemsOf(unit)
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	u := r.Float64() * sum
	for i, w := range weights {
		if u < w {
			return names[i]
		}
		u -= w
	}
	return names[len(names)-1]
}

// timeline draws a letter's events (tags and eventTimes). Every letter
// consumes the same randomness whatever its path.
func (dw *dpWorld) timeline(r *rand.Rand, l *dpLetter, start time.Time) {
	d := dw.sc
	uOutcome, uOpen, uPhys, uSystem, uDelayed, uRecall, uUnknown := r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64()
	uOutage, uRedeliver := r.Float64(), r.Float64()
	dValidate, dAvail, dPhys, dWait := d.ValidateDelay.draw(r), d.AvailableDelay.draw(r), d.PhysicalPostDelay.draw(r), time.Duration(1+r.IntN(72))*time.Hour
	behaviour := d.Open
	if l.kind == "org" {
		behaviour = *d.CompanyOpen
	}
	dOpen := behaviour.Delay.draw(r)
	redeliver := make([]time.Duration, len(d.Outages))
	for i, o := range d.Outages {
		redeliver[i] = o.RedeliverDelay.draw(r)
	}
	dUnknown := time.Duration(r.Float64() * float64(time.Hour))

	ev := func(at time.Time, tag string) {
		l.events = append(l.events, &dpEvent{tag: tag, at: at.Truncate(time.Millisecond)})
	}
	ev(l.sent.Add(200*time.Millisecond), dpReceived)
	validated := l.sent.Add(dValidate)
	if uOutcome < d.RejectChance {
		ev(validated, dpValidationFailed)
		return
	}
	delayed := uDelayed < d.DelayedShare
	if delayed {
		ev(validated, dpDelayedAwaiting)
		if uRecall < d.RecallChance {
			ev(validated.Add(dWait/2), dpRecalled)
			return
		}
		validated = validated.Add(dWait)
		ev(validated, dpDelayedSent)
	} else {
		ev(validated, dpValidated)
	}
	if uUnknown < d.UnknownTagChance {
		ev(validated.Add(dUnknown), dpSimUnknown)
	}
	if uOutcome < d.RejectChance+d.FailChance {
		ev(validated.Add(dAvail), dpSendFailed)
		sortDPEvents(l.events)
		return
	}
	avail := validated.Add(dAvail)
	for i, o := range d.Outages {
		ofrom, oto := o.From.resolve(start), o.To.resolve(start)
		if validated.Before(ofrom) || !validated.Before(oto) || uOutage >= o.Share {
			continue
		}
		if uRedeliver >= o.RedeliveredShare {
			l.incident = IncidentProviderOutage
			sortDPEvents(l.events)
			return
		}
		l.incident = IncidentRedelivered
		avail = oto.Add(redeliver[i])
		break
	}
	toSystem := l.kind == "org" && uSystem < d.RecipientSystemShare
	if toSystem {
		ev(avail, dpToSystem)
		ev(avail.Add(dOpen/4+time.Second), dpFetchedBySystem)
		sortDPEvents(l.events)
		return
	}
	ev(avail, dpAvailable)
	opened := uOpen < behaviour.Chance
	physAt := avail.Add(dPhys)
	if opened && avail.Add(dOpen).Before(physAt) {
		ev(avail.Add(dOpen), dpRead)
	} else if l.kind == "person" {
		if uPhys < d.PhysicalPostChance {
			ev(physAt, dpPhysicalDecided)
			ev(physAt.Add(20*time.Hour), dpPhysicalSent)
		} else {
			ev(physAt, dpNotPhysical)
			if opened {
				ev(avail.Add(dOpen), dpRead)
			}
		}
	} else if opened {
		ev(avail.Add(dOpen), dpRead)
	}
	sortDPEvents(l.events)
}

func sortDPEvents(evs []*dpEvent) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
}

// logEvents gives a letter's events their log identity and times, and puts
// them in the log (twice for a duplicate).
func (dw *dpWorld) logEvents(r *rand.Rand, l *dpLetter) {
	lg := dw.sc.Log
	var root string
	for _, e := range l.events {
		e.letter = l
		e.id, e.eventID = newUUID(r), newUUID(r)
		if root == "" {
			root = e.eventID
		}
		e.rootID = root
		lag, late, lateDelay := lg.CreatedLag.draw(r), r.Float64() < lg.LateChance, lg.LateDelay.draw(r)
		dup, odd, broken, shape := r.Float64() < lg.DuplicateChance, r.Float64() < lg.OddTimeChance, r.Float64() < lg.BrokenChance, r.IntN(2)
		if lag < time.Millisecond {
			lag = time.Millisecond
		}
		e.created = e.at.Add(lag).Truncate(time.Millisecond)
		if !e.created.After(e.at) {
			e.created = e.at.Add(time.Millisecond)
		}
		e.visible = e.created
		if late {
			e.visible = e.created.Add(lateDelay)
		}
		switch {
		case broken:
			e.shape = timeGarbage + shape
		case odd:
			e.shape = timeOffset + shape
		}
		e.owner = dw.sc.Sender.CVR
		if e.tag == dpRead || e.tag == dpFetchedBySystem {
			e.owner = l.recipientID
		}
		dw.log = append(dw.log, e)
		if dup {
			dw.log = append(dw.log, e)
		}
	}
}

// statusAt is the tag of the letter's last event visible at now ("" for none).
func (l *dpLetter) statusAt(now time.Time) (string, time.Time) {
	var tag string
	var at time.Time
	for _, e := range l.events {
		if !e.visible.After(now) && !e.at.Before(at) {
			tag, at = e.tag, e.at
		}
	}
	return tag, at
}

// newCVR draws a valid CVR number (first digit 1–9, mod-11).
func newCVR(r *rand.Rand) string {
	for {
		var b strings.Builder
		b.WriteByte(byte('1' + r.IntN(9)))
		for i := 1; i < 7; i++ {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		s := b.String() + "0"
		c := (11 - cvrSum(s)%11) % 11
		if c == 10 {
			continue
		}
		return b.String() + string(rune('0'+c))
	}
}

// newCPR draws a CPR-shaped number: a valid date DDMMYY and a four-digit
// sequence (no mod-11: CPR numbers issued since 2007 need not satisfy it).
// Drawn at random, it may coincide with a real person's number (there is
// no reserved test range: any valid date and sequence may be issued), so,
// like every CPR number postvakt handles, it is shown masked outside the
// evidence, and the demo's files stay on the machine that made them.
func newCPR(r *rand.Rand) string {
	return fmt.Sprintf("%02d%02d%02d%04d", 1+r.IntN(28), 1+r.IntN(12), r.IntN(100), r.IntN(10000))
}

// Classes of the Danish letters as postvakt registers them.
const (
	dpClassConfidential = "fortrolig"  // sensitive personal data
	dpClassOrdinary     = "almindelig" // ordinary
)

// danishRecords returns the Danish letters as postvakt registers them, with
// the incident that caught each and, when asked, the tag of its last event
// visible at now.
func (s *Sim) danishRecords(withStatus bool, now time.Time) []ShipmentRecord {
	if s.dp == nil {
		return nil
	}
	out := make([]ShipmentRecord, len(s.dp.letters))
	for i, l := range s.dp.letters {
		class := dpClassOrdinary
		if l.confidential {
			class = dpClassConfidential
		}
		out[i] = ShipmentRecord{Channel: "digitalpost", ChannelID: l.uuid, SenderOrg: s.dp.sc.Sender.CVR, SenderUnit: l.unit,
			Recipient: Recipient{Kind: l.kind, ID: l.recipientID}, Title: l.title, Confidential: l.confidential,
			Class: class, SentAt: l.sent.UTC(), Incident: l.incident, SenderSystem: l.system}
		if withStatus {
			if tag, at := l.statusAt(now); tag != "" {
				at := at.UTC()
				out[i].Status, out[i].StatusChanged = tag, &at
			}
		}
	}
	return out
}

// danishStatus is a Danish letter's last visible event tag at the simulated now.
func (s *Sim) danishStatus(messageUUID string) (string, time.Time, bool) {
	if s.dp == nil {
		return "", time.Time{}, false
	}
	l, ok := s.dp.byUUID[strings.ToLower(messageUUID)]
	if !ok {
		return "", time.Time{}, false
	}
	tag, at := l.statusAt(s.Now())
	return tag, at, tag != ""
}

// DanishEvent is one event of a Danish letter as the simulator knows it:
// the truth an adapter's reading of the log is checked against.
type DanishEvent struct {
	ID        string
	Tag       string
	EventTime time.Time
	Created   time.Time
	Visible   time.Time
	Listed    int  // how often the log lists it (2 for a duplicate)
	Broken    bool // unreadable on purpose (no id, or not a time)
}

// DanishEvents returns every event of a Danish letter, by eventTime; nil for
// an unknown letter.
func (s *Sim) DanishEvents(messageUUID string) []DanishEvent {
	if s.dp == nil {
		return nil
	}
	l, ok := s.dp.byUUID[strings.ToLower(messageUUID)]
	if !ok {
		return nil
	}
	listed := map[*dpEvent]int{}
	for _, e := range s.dp.log {
		if e.letter == l {
			listed[e]++
		}
	}
	out := make([]DanishEvent, len(l.events))
	for i, e := range l.events {
		out[i] = DanishEvent{ID: e.id, Tag: e.tag, EventTime: e.at, Created: e.created, Visible: e.visible,
			Listed: listed[e], Broken: e.shape == timeGarbage || e.shape == timeNoID}
	}
	return out
}
