package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// SvarUt status values (v1/v2).
const (
	svMottatt         = "MOTTATT"
	svAkseptert       = "AKSEPTERT"
	svAvvist          = "AVVIST"
	svVarslet         = "VARSLET"
	svLest            = "LEST"
	svSendtPrint      = "SENDT_PRINT"
	svPrintet         = "PRINTET"
	svManueltHandtert = "MANUELT_HANDTERT"
	svSendtSDP        = "SENDT_SDP"
	svLevertSDP       = "LEVERT_SDP"
	svIkkeLevert      = "IKKE_LEVERT"
	svSlettet         = "SLETTET" // v3: files and metadata deleted for retention
)

// Altinn 3 Correspondence status values used by the simulator.
const (
	alInitialized     = "Initialized"
	alReadyForPublish = "ReadyForPublish"
	alPublished       = "Published"
	alFetched         = "Fetched"
	alRead            = "Read"
	alReserved        = "Reserved"
	alFailed          = "Failed"
)

// recipient slot kinds used while assigning recipients.
const (
	slotNeverOpen = iota
	slotPerson
	slotOther
)

// genShipments draws every shipment and its timeline.
func (w *world) genShipments(sc *Scenario, r *rand.Rand, from, to time.Time, persons []string) error {
	n := sc.Shipments.Count
	k := sc.Organisations.NeverOpen.Shipments
	var neverOrgs, openers []*org
	for _, o := range w.orgs {
		if o.neverOpen {
			neverOrgs = append(neverOrgs, o)
		} else {
			openers = append(openers, o)
		}
	}
	nPerson := 0
	if len(persons) > 0 {
		nPerson = min(int(math.Round(sc.Persons.Share*float64(n))), n-k)
	}
	if w.exact && n-k-nPerson > 0 && len(openers) == 0 {
		return fmt.Errorf("generate: %d shipments must go to organisations that open, but every organisation never opens", n-k-nPerson)
	}

	// Recipient slots: exactly k to never-opening organisations (each at
	// least one), nPerson to persons, the rest by weight.
	slots := make([]*org, 0, n)
	kinds := make([]int, 0, n)
	if w.exact {
		ws := make([]float64, len(neverOrgs))
		for i, o := range neverOrgs {
			ws[i] = o.weight
			slots, kinds = append(slots, o), append(kinds, slotNeverOpen)
		}
		wt := newWeighted(ws)
		for len(slots) < k {
			slots, kinds = append(slots, neverOrgs[wt.pick(r)]), append(kinds, slotNeverOpen)
		}
	}
	for i := 0; i < nPerson; i++ {
		slots, kinds = append(slots, nil), append(kinds, slotPerson)
	}
	pool := w.orgs
	if w.exact {
		pool = openers
	}
	ws := make([]float64, len(pool))
	for i, o := range pool {
		ws[i] = o.weight
	}
	wt := newWeighted(ws)
	for len(slots) < n {
		slots, kinds = append(slots, pool[wt.pick(r)]), append(kinds, slotOther)
	}
	r.Shuffle(n, func(i, j int) {
		slots[i], slots[j] = slots[j], slots[i]
		kinds[i], kinds[j] = kinds[j], kinds[i]
	})

	// Sent times, oldest first.
	span := to.Sub(from)
	sent := make([]time.Time, n)
	for i := range sent {
		sent[i] = from.Add(time.Duration(r.Float64() * float64(span))).Truncate(time.Second)
	}
	sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })

	chKeys, chW := sortedWeights(sc.Shipments.Channels)
	cKeys, cW := sortedWeights(sc.Shipments.ConfidentialClasses)
	oKeys, oW := sortedWeights(sc.Shipments.OrdinaryClasses)
	w.shipments = make([]*shipment, n)
	for i := 0; i < n; i++ {
		s := &shipment{sent: sent[i]}
		s.id = newUUID(r)
		s.channel = chKeys[chW.pick(r)]
		s.confidential = r.Float64() < sc.Shipments.ConfidentialShare
		if s.confidential {
			s.class = cKeys[cW.pick(r)]
		} else {
			s.class = oKeys[oW.pick(r)]
		}
		s.unit = w.units[r.IntN(len(w.units))]
		caseNo := 1 + r.IntN(99999)
		s.title = pickTitle(r, s.class, caseNo)
		s.ref = fmt.Sprintf("%d/%05d-%d", 2018+caseNo%8, caseNo, i+1)
		personIdx := r.IntN(max(len(persons), 1))
		if kinds[i] == slotPerson {
			s.kind, s.recipientID = "person", persons[personIdx]
		} else {
			s.kind, s.org, s.recipientID = "org", slots[i], slots[i].nr
		}
		w.buildTimeline(sc, r, s, kinds[i] == slotNeverOpen)
		w.shipments[i] = s
		w.byID[s.id] = s
		if s.channel == "altinn" {
			w.altinn = append(w.altinn, s)
		}
	}
	sort.SliceStable(w.altinn, func(i, j int) bool { return w.altinn[i].sent.After(w.altinn[j].sent) })
	return nil
}

// outcome of a shipment's delivery.
type outcome uint8

const (
	outNormal outcome = iota
	outRejected
	outFailed
	outLost
)

// buildTimeline draws a shipment's whole history. Every shipment consumes the
// same amount of randomness whatever its branch.
func (w *world) buildTimeline(sc *Scenario, r *rand.Rand, s *shipment, exactNeverOpen bool) {
	d := sc.Delivery
	uOutcome, uOpen, uPrint, uReserved := r.Float64(), r.Float64(), r.Float64(), r.Float64()
	dAccept, dAvail := d.AcceptDelay.draw(r), d.AvailableDelay.draw(r)
	behaviour := sc.Organisations.Open
	neverOpen := false
	if s.org != nil {
		behaviour, neverOpen = s.org.open, s.org.neverOpen
	} else if sc.Persons.Open != nil {
		behaviour = *sc.Persons.Open
	}
	dOpen := behaviour.Delay.draw(r)
	dSelfPrint, dPrinted := d.SelfPrintDelay.draw(r), d.PrintedDelay.draw(r)
	dFetch := time.Duration(r.Float64() * float64(10*time.Minute))

	acc := s.sent.Add(dAccept)
	avail := acc.Add(dAvail)
	out := outNormal
	if !exactNeverOpen {
		switch {
		case uOutcome < d.RejectChance:
			out = outRejected
		case uOutcome < d.RejectChance+d.FailChance:
			out = outFailed
		case uOutcome < d.RejectChance+d.FailChance+d.LostChance:
			out = outLost
		}
	}
	var openAt time.Time
	if out == outNormal && !neverOpen && uOpen < behaviour.Chance {
		openAt = avail.Add(dOpen)
	}
	ev := func(at time.Time, status, text string) {
		s.events = append(s.events, event{at: at.Truncate(time.Millisecond), status: status, text: text})
	}
	if s.channel == "altinn" {
		ev(s.sent, alInitialized, "Correspondence initialized")
		switch out {
		case outRejected:
			ev(acc, alFailed, "Correspondence failed validation and was not published")
			return
		case outLost:
			ev(acc, alReadyForPublish, "Correspondence ready for publish")
			return
		case outFailed:
			ev(acc, alReadyForPublish, "Correspondence ready for publish")
			if uReserved < d.ReservedShare {
				ev(avail, alReserved, "Recipient has reserved against digital correspondence")
			} else {
				ev(avail, alFailed, "Correspondence could not be published to the recipient")
			}
			return
		}
		ev(acc, alReadyForPublish, "Correspondence ready for publish")
		ev(avail, alPublished, "Correspondence published")
		if !openAt.IsZero() {
			fetch := openAt.Add(-dFetch)
			if fetch.Before(avail) {
				fetch = avail
			}
			ev(fetch, alFetched, "Correspondence fetched by recipient")
			ev(openAt, alRead, "Correspondence read by recipient")
		}
		sortEvents(s.events)
		return
	}
	ev(s.sent, svMottatt, "Forsendelse mottatt")
	if out == outRejected {
		ev(acc, svAvvist, "Avvist: forsendelsen ble avvist under ekspedering")
		return
	}
	ev(acc, svAkseptert, "Akseptert for ekspedering")
	switch out {
	case outFailed:
		ev(avail, svIkkeLevert, "Ikke levert: mottaker kunne ikke nås digitalt")
		return
	case outLost:
		return
	}
	if s.kind == "person" {
		ev(avail, svSendtSDP, "Sendt til digital postkasse")
		ev(avail.Add(2*time.Minute), svLevertSDP, "Levert til digital postkasse")
	} else {
		ev(avail, svVarslet, "Varslet mottaker i Altinn")
	}
	printAt := avail.Add(dSelfPrint)
	if openAt.IsZero() || openAt.After(printAt) {
		switch {
		case uPrint < d.SelfPrintChance:
			ev(printAt, svSendtPrint, "Sendt til print")
			ev(printAt.Add(dPrinted), svPrintet, "Printet og sendt med post")
			return
		case uPrint < d.SelfPrintChance+d.ManualChance:
			ev(printAt, svManueltHandtert, "Manuelt håndtert av administrator")
			return
		}
	}
	if !openAt.IsZero() {
		ev(openAt, svLest, "Lest av mottaker")
	}
}

func sortEvents(evs []event) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
}

// eventsAt returns the events that have happened by t.
func (s *shipment) eventsAt(t time.Time) []event {
	i := sort.Search(len(s.events), func(i int) bool { return s.events[i].at.After(t) })
	return s.events[:i]
}

// statusAt returns the last event by t; ok is false before the shipment was sent.
func (s *shipment) statusAt(t time.Time) (event, bool) {
	evs := s.eventsAt(t)
	if len(evs) == 0 {
		return event{}, false
	}
	return evs[len(evs)-1], true
}

// opened reports whether the shipment has been opened by t.
func (s *shipment) opened(t time.Time) bool {
	e, ok := s.channelStatusAt(t)
	return ok && (e.status == svLest || e.status == alRead)
}

// altinnRank orders Altinn's statuses as the service does when it picks
// a correspondence's top-level status: the highest-ranked status reached,
// Fetched not counted (a letter fetched again after reading stays Read).
var altinnRank = map[string]int{alInitialized: 1, alReadyForPublish: 2, alPublished: 3, alRead: 5, alReserved: 10, alFailed: 11}

// channelStatusAt returns the status the channel answers at t: for SvarUt
// the latest event, for Altinn the top-level status (see altinnRank; the
// latest event only when no ranked status was reached). ok is false
// before the shipment was sent.
func (s *shipment) channelStatusAt(t time.Time) (event, bool) {
	evs := s.eventsAt(t)
	if len(evs) == 0 {
		return event{}, false
	}
	if s.channel != "altinn" {
		return evs[len(evs)-1], true
	}
	best := -1
	for i, e := range evs {
		if r, ok := altinnRank[e.status]; ok && (best < 0 || r >= altinnRank[evs[best].status]) {
			best = i
		}
	}
	if best < 0 {
		return evs[len(evs)-1], true
	}
	return evs[best], true
}
