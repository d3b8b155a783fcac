package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// address is an Enhetsregisteret address.
type address struct {
	Adresse       []string `json:"adresse"`
	Postnummer    string   `json:"postnummer"`
	Poststed      string   `json:"poststed"`
	Kommunenummer string   `json:"kommunenummer"`
	Kommune       string   `json:"kommune"`
	Landkode      string   `json:"landkode"`
	Land          string   `json:"land"`
}

// regState is how the register answers for an organisation.
type regState uint8

const (
	regActive  regState = iota
	regDeleted          // 200 with slettedato and few fields
	regRemoved          // 410 Gone
	regUnknown          // 404 Not Found
)

// org is a receiving organisation.
type org struct {
	nr, name, formCode, formDesc string
	neverOpen                    bool
	open                         OpenBehaviour
	profile                      string
	weight                       float64

	reg                         regState
	bankrupt, windingUp, forced bool
	registered, deleted         time.Time
	post, biz                   *address
	emails, phones              []string
	subUnit                     bool      // a sub-unit: /underenheter, not /enheter
	closed                      time.Time // a sub-unit's nedleggelsesdato
	foreign                     bool      // post is an address abroad
}

// event is one status change of a shipment on its channel.
type event struct {
	at     time.Time
	status string
	text   string
}

// shipment is one generated shipment with its whole timeline.
type shipment struct {
	channel      string
	id           string
	unit         string
	kind         string // org or person
	recipientID  string
	title        string
	class        string
	confidential bool
	sent         time.Time
	ref          string // sender's reference
	org          *org   // nil for persons
	events       []event
	incident     string // the incident that touched it (Incident*), if any
	poison       string // see Poison; "" for none
}

// world is everything generated from a scenario and a seed.
type world struct {
	start     time.Time
	sender    *org
	units     []string
	orgs      []*org
	orgByNr   map[string]*org
	shipments []*shipment // by sent time, oldest first
	byID      map[string]*shipment
	altinn    []*shipment // Altinn shipments, newest first
	// altinnListed are the Altinn shipments the search lists (not the
	// never_sent ones), newest first.
	altinnListed []*shipment
	exact        bool                     // never_open.shipments is exact
	cvr          map[string]*cvrCompany   // the CVR's companies by number
	failing      map[string]time.Duration // numbers the registers fail on, until (0: always) after the start
}

// generate builds the world. It draws from separate streams per concern so
// that, e.g., a change of register chances leaves the shipments alone.
func generate(sc *Scenario, seed int64, start time.Time) (*world, error) {
	w := &world{start: start, orgByNr: map[string]*org{}, byID: map[string]*shipment{},
		cvr: map[string]*cvrCompany{}, failing: map[string]time.Duration{}}
	w.exact = sc.Organisations.NeverOpen.Shipments > 0
	from := sc.Shipments.SentFrom.resolve(start)
	to := sc.Shipments.SentTo.resolve(start)
	if to.Before(from) {
		return nil, fmt.Errorf("generate: shipments.sent_to (%s) is before sent_from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	w.genUnits(sc, derivedRand(seed, "units"))
	w.genOrgs(sc, derivedRand(seed, "orgs"))
	w.genRegister(sc, derivedRand(seed, "register"))
	w.genNotificationAddresses(sc, derivedRand(seed, "notification-addresses"))
	persons := genPersons(sc, derivedRand(seed, "persons"))
	if err := w.genShipments(sc, derivedRand(seed, "shipments"), from, to, persons); err != nil {
		return nil, err
	}
	if err := w.poison(sc, seed); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	w.genSubUnits(sc, derivedRand(seed, "register-sub-units"))
	w.genCVR(sc)
	for _, f := range sc.Register.Failing {
		w.failing[f.Number] = f.Until.D()
	}
	w.applyIncidents(sc, derivedRand(seed, "incidents"))
	return w, nil
}

func (w *world) genUnits(sc *Scenario, r *rand.Rand) {
	pool := append([]string(nil), unitNames...)
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for i := 0; i < sc.Sender.Units; i++ {
		switch {
		case i < len(sc.Sender.UnitNames):
			w.units = append(w.units, sc.Sender.UnitNames[i])
		case i < len(pool):
			w.units = append(w.units, pool[i])
		default:
			w.units = append(w.units, fmt.Sprintf("%s %d", pool[i%len(pool)], i/len(pool)+1))
		}
	}
}

func (w *world) genOrgs(sc *Scenario, r *rand.Rand) {
	w.sender = &org{nr: sc.Sender.Org, name: sc.Sender.Name, formCode: "KOMM", formDesc: "Kommune",
		registered: time.Date(1995, 2, 20, 0, 0, 0, 0, time.UTC)}
	a := pickAddress(r, false)
	pa := pickAddress(r, true)
	w.sender.biz, w.sender.post = &a, &pa
	w.orgByNr[w.sender.nr] = w.sender
	n := sc.Organisations.Count
	for len(w.orgs) < n {
		nr := newOrgNr(r)
		if _, dup := w.orgByNr[nr]; dup {
			continue
		}
		o := &org{nr: nr}
		o.name, o.formCode, o.formDesc = pickName(r)
		// Log-normal sizes: a few organisations receive much of the post.
		o.weight = math.Exp(r.NormFloat64())
		o.registered = time.Date(1990+r.IntN(34), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		w.orgs = append(w.orgs, o)
		w.orgByNr[nr] = o
	}
	// Who never opens: exactly never_open.orgs, or each by chance.
	if k := sc.Organisations.NeverOpen.Orgs; k > 0 {
		for _, i := range r.Perm(n)[:k] {
			w.orgs[i].neverOpen = true
		}
	} else {
		for _, o := range w.orgs {
			o.neverOpen = r.Float64() < sc.Organisations.NeverOpen.Share
		}
	}
	// How the others open.
	profiles := sc.Organisations.Profiles
	var total float64
	for _, p := range profiles {
		total += p.Weight
	}
	for _, o := range w.orgs {
		u := r.Float64()
		o.open, o.profile = sc.Organisations.Open, "default"
		if total > 0 {
			x := u * total
			for _, p := range profiles {
				if x < p.Weight {
					o.open, o.profile = p.OpenBehaviour, p.Name
					break
				}
				x -= p.Weight
			}
		}
		if o.neverOpen {
			o.profile = "never_open"
		}
	}
}

func (w *world) genRegister(sc *Scenario, r *rand.Rand) {
	reg := sc.Register
	for _, o := range w.orgs {
		// Always the same number of draws per organisation.
		uState, uBank, uWind, uForced, uAddr := r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64()
		biz := pickAddress(r, false)
		post := pickAddress(r, r.IntN(3) == 0)
		delDays := r.IntN(900)
		switch {
		case uState < reg.UnknownChance:
			o.reg = regUnknown
		case uState < reg.UnknownChance+reg.RemovedChance:
			o.reg = regRemoved
		case uState < reg.UnknownChance+reg.RemovedChance+reg.DeletedChance:
			o.reg = regDeleted
			o.deleted = w.start.AddDate(0, 0, -delDays).Truncate(24 * time.Hour)
		}
		o.bankrupt = uBank < reg.BankruptChance
		o.windingUp = o.bankrupt || uWind < reg.WindingUpChance
		o.forced = uForced < reg.ForcedDissolutionChance
		switch {
		case uAddr < reg.NoAddressChance:
		case uAddr < reg.NoAddressChance+reg.NoPostalAddressChance:
			o.biz = &biz
		default:
			o.biz, o.post = &biz, &post
		}
	}
}

func (w *world) genNotificationAddresses(sc *Scenario, r *rand.Rand) {
	n := sc.Notifications
	for _, o := range w.orgs {
		none := r.Float64() < n.NoneChance
		ne, np := r.IntN(n.MaxEmails+1), r.IntN(n.MaxPhones+1)
		if none {
			continue
		}
		if ne+np == 0 {
			ne = 1
		}
		slug := fmt.Sprintf("post%d", r.IntN(1000))
		for i := 0; i < ne; i++ {
			o.emails = append(o.emails, fmt.Sprintf("%s.%d@%s.example.no", slug, i+1, o.nr))
		}
		for i := 0; i < np; i++ {
			o.phones = append(o.phones, fmt.Sprintf("+47%d%07d", 4+r.IntN(2)*5, r.IntN(10_000_000)))
		}
	}
}

func genPersons(sc *Scenario, r *rand.Rand) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < sc.Persons.Count {
		id := newPersonID(r)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// weighted picks from items by cumulative weights.
type weighted struct {
	cum []float64
}

func newWeighted(ws []float64) weighted {
	c := make([]float64, len(ws))
	var s float64
	for i, w := range ws {
		s += w
		c[i] = s
	}
	return weighted{cum: c}
}

func (wt weighted) pick(r *rand.Rand) int {
	if len(wt.cum) == 0 {
		return -1
	}
	x := r.Float64() * wt.cum[len(wt.cum)-1]
	i := sort.SearchFloat64s(wt.cum, x)
	if i >= len(wt.cum) {
		i = len(wt.cum) - 1
	}
	return i
}

// sortedWeights returns a map's keys in order with their weights, so that
// draws do not depend on map iteration order.
func sortedWeights(m map[string]float64) ([]string, weighted) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ws := make([]float64, len(keys))
	for i, k := range keys {
		ws[i] = max(m[k], 0)
	}
	return keys, newWeighted(ws)
}
