package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed scenarios/*.yaml
var shippedScenarios embed.FS

// Scenario describes a simulated world: who sends, who receives, how many
// shipments, how the channels and the recipients behave, and which faults the
// servers inject. Together with a seed it determines every shipment, id and
// answer of the simulator. Durations are Go durations with the extra units
// d (24h) and w (7d), e.g. "90m", "36h", "2d12h".
type Scenario struct {
	// Name of the scenario (defaults to the file name without .yaml).
	Name string `yaml:"name"`
	// Description is free text shown by the control API.
	Description string `yaml:"description"`
	// Start is the simulated time at which the simulator starts: an RFC 3339
	// time, or a duration relative to the clock's time at New ("-48h").
	// Empty: the clock's time at New.
	Start TimeRef `yaml:"start"`
	// Speed is how many simulated seconds pass per real second when the
	// simulator runs on the real clock (Run). Default 1.
	Speed float64 `yaml:"speed"`

	Sender        Sender        `yaml:"sender"`
	Organisations Organisations `yaml:"organisations"`
	Persons       Persons       `yaml:"persons"`
	Shipments     Shipments     `yaml:"shipments"`
	Delivery      Delivery      `yaml:"delivery"`
	Register      Register      `yaml:"register"`
	Notifications Notifications `yaml:"notifications"`
	Print         PrintScenario `yaml:"print"`
	// CVR is the Danish business register the CVR search answers from.
	CVR CVRScenario `yaml:"cvr"`
	// DigitalPost adds Danish letters and the Digital Post event log
	// (dpscenario.go); nil: none.
	DigitalPost *DigitalPost `yaml:"digitalpost"`
	// Incidents are channel failures for a while: a silent channel, lost
	// letters, a unit whose letters never arrive, a rejection spike
	// (incidents.go). /sim/shipments marks the letters they touch.
	Incidents []Incident `yaml:"incidents"`
	// Faults injected per endpoint group: all (default for every group not
	// listed), svarut (v2), svarut_v1, altinn, token, register, cvr, profile,
	// notifications, print, digitalpost. A listed group replaces "all"
	// entirely.
	Faults map[string]FaultSpec `yaml:"faults"`
	// Poison makes single shipments answer badly for good (see Poison).
	Poison Poison `yaml:"poison"`
}

// Sender is the sending public body.
type Sender struct {
	// Org is its organisation number (default 964338531, Bergen kommune).
	Org string `yaml:"org"`
	// Name is its name (default "Bergen kommune").
	Name string `yaml:"name"`
	// Units is the number of sending units (departments) (default 5).
	Units int `yaml:"units"`
	// UnitNames overrides the generated unit names; when shorter than Units
	// the rest are generated.
	UnitNames []string `yaml:"unit_names"`
}

// Organisations are the receiving businesses.
type Organisations struct {
	// Count is the number of receiving organisations.
	Count int `yaml:"count"`
	// NeverOpen: organisations that never open anything (nobody has the
	// access role for confidential post: the Bergen case).
	NeverOpen NeverOpen `yaml:"never_open"`
	// Open is how the other organisations open their post.
	Open OpenBehaviour `yaml:"open"`
	// Profiles, when given, replace Open: each organisation that can open
	// gets one profile, drawn by weight.
	Profiles []OpenProfile `yaml:"profiles"`
}

// NeverOpen says which organisations never open.
type NeverOpen struct {
	// Share is the chance that an organisation never opens.
	Share float64 `yaml:"share"`
	// Orgs, when > 0, is the exact number of never-opening organisations
	// (overrides Share).
	Orgs int `yaml:"orgs"`
	// Shipments, when > 0 (needs Orgs), is the exact number of shipments
	// addressed to never-opening organisations; every one of them gets at
	// least one.
	Shipments int `yaml:"shipments"`
}

// OpenBehaviour is how an organisation (or person) opens what it receives.
type OpenBehaviour struct {
	// Chance that a shipment that became available is ever opened.
	Chance float64 `yaml:"chance"`
	// Delay from available to opened.
	Delay Dist `yaml:"delay"`
}

// OpenProfile is one named open behaviour with a weight.
type OpenProfile struct {
	Name          string  `yaml:"name"`
	Weight        float64 `yaml:"weight"`
	OpenBehaviour `yaml:",inline"`
}

// Persons are citizen recipients (fødselsnummer-shaped ids).
type Persons struct {
	// Count of distinct persons (default 0: no person recipients).
	Count int `yaml:"count"`
	// Share of shipments addressed to persons.
	Share float64 `yaml:"share"`
	// Open is how persons open their post (default: the organisations'
	// first profile, or their Open when there are no profiles).
	Open *OpenBehaviour `yaml:"open"`
}

// Shipments says how many shipments there are, when they were sent, and what
// they are.
type Shipments struct {
	// Count of shipments.
	Count int `yaml:"count"`
	// SentFrom and SentTo bound the sent times: RFC 3339 times or durations
	// relative to the start ("-30d", "0s"). Sent times are uniform between.
	SentFrom TimeRef `yaml:"sent_from"`
	SentTo   TimeRef `yaml:"sent_to"`
	// Channels weighs the channels: svarut and altinn.
	Channels map[string]float64 `yaml:"channels"`
	// ConfidentialShare is the chance that a shipment is confidential
	// (taushetsbelagt post).
	ConfidentialShare float64 `yaml:"confidential_share"`
	// ConfidentialClasses weighs the classes of confidential shipments
	// (e.g. taushetsbelagt, barnevern).
	ConfidentialClasses map[string]float64 `yaml:"confidential_classes"`
	// OrdinaryClasses weighs the classes of the other shipments (e.g. ordinaer).
	OrdinaryClasses map[string]float64 `yaml:"ordinary_classes"`
}

// Delivery is how the channels handle shipments.
type Delivery struct {
	// AcceptDelay: sent → accepted (AKSEPTERT / ReadyForPublish).
	AcceptDelay Dist `yaml:"accept_delay"`
	// AvailableDelay: accepted → available (VARSLET, SENDT_SDP / Published).
	AvailableDelay Dist `yaml:"available_delay"`
	// RejectChance: rejected at acceptance (AVVIST / Altinn Failed).
	RejectChance float64 `yaml:"reject_chance"`
	// FailChance: not deliverable (IKKE_LEVERT / Altinn Failed or Reserved).
	FailChance float64 `yaml:"fail_chance"`
	// ReservedShare: of Altinn failures, the share answered Reserved.
	ReservedShare float64 `yaml:"reserved_share"`
	// LostChance: accepted, then nothing ever again (the Copenhagen case).
	LostChance float64 `yaml:"lost_chance"`
	// SelfPrintChance: of SvarUt shipments never opened digitally, the share
	// SvarUt prints by itself (SENDT_PRINT, then PRINTET).
	SelfPrintChance float64 `yaml:"self_print_chance"`
	// SelfPrintDelay: available → SENDT_PRINT (also → MANUELT_HANDTERT).
	SelfPrintDelay Dist `yaml:"self_print_delay"`
	// PrintedDelay: SENDT_PRINT → PRINTET.
	PrintedDelay Dist `yaml:"printed_delay"`
	// ManualChance: of SvarUt shipments never opened and not printed, the
	// share an administrator sets to MANUELT_HANDTERT.
	ManualChance float64 `yaml:"manual_chance"`
}

// Register is how the business register (Enhetsregisteret) sees the
// receiving organisations. Chances are per organisation.
type Register struct {
	BankruptChance          float64 `yaml:"bankrupt_chance"`           // konkurs
	WindingUpChance         float64 `yaml:"winding_up_chance"`         // underAvvikling
	ForcedDissolutionChance float64 `yaml:"forced_dissolution_chance"` // underTvangsavviklingEllerTvangsopplosning
	DeletedChance           float64 `yaml:"deleted_chance"`            // 200 with slettedato, few fields
	RemovedChance           float64 `yaml:"removed_chance"`            // 410 Gone
	UnknownChance           float64 `yaml:"unknown_chance"`            // 404 Not Found
	NoPostalAddressChance   float64 `yaml:"no_postal_address_chance"`  // postadresse absent
	NoAddressChance         float64 `yaml:"no_address_chance"`         // postadresse and forretningsadresse absent
	// SubUnitChance: the number is a sub-unit's (underenhet): 404 on
	// /enheter, found on /underenheter with beliggenhetsadresse.
	SubUnitChance float64 `yaml:"sub_unit_chance"`
	// ClosedSubUnitShare: of the sub-units, the share with nedleggelsesdato.
	ClosedSubUnitShare float64 `yaml:"closed_sub_unit_share"`
	// ForeignAddressChance: the postal address is abroad (no postnummer).
	ForeignAddressChance float64 `yaml:"foreign_address_chance"`
	// Failing lists organisation numbers (Norwegian or CVR) whose lookups
	// answer 500 until a time: one organisation's trouble with the register.
	Failing []FailingLookup `yaml:"failing"`
}

// FailingLookup is an organisation number the registers fail to answer
// about: Enhetsregisteret answers 500 for it, and a CVR search naming it
// answers 500 as a whole.
type FailingLookup struct {
	Number string `yaml:"number"`
	// Until is the end of the trouble, relative to the start (0: never ends).
	Until Duration `yaml:"until"`
}

// CVRScenario is the Danish business register (CVR) as the simulator's
// CVR search (System-til-system adgang) knows it.
type CVRScenario struct {
	// Companies the CVR knows.
	Companies []CVRCompany `yaml:"companies"`
}

// CVRCompany is one Danish company in the CVR.
type CVRCompany struct {
	CVR string `yaml:"cvr"`
	// Name is the company's name; empty: one made up from the number.
	Name string `yaml:"name"`
	// Ceased: sammensatStatus "Ophørt" (the company still has its name).
	Ceased bool `yaml:"ceased"`
}

// Notifications covers the organisations' notification addresses (Altinn
// Profile) and the Altinn Notifications orders.
type Notifications struct {
	// NoneChance: an organisation has no notification address at all.
	NoneChance float64 `yaml:"none_chance"`
	// MaxEmails and MaxPhones bound the addresses per organisation
	// (defaults 2 and 1; each organisation has at least one when it has any).
	MaxEmails int `yaml:"max_emails"`
	MaxPhones int `yaml:"max_phones"`
	// DeliveryDelay: requested send time → delivered.
	DeliveryDelay Dist `yaml:"delivery_delay"`
	// FailChance: a notification to one address fails.
	FailChance float64 `yaml:"fail_chance"`
}

// PrintScenario is how the print provider handles orders.
type PrintScenario struct {
	// PrintDelay: received → printed.
	PrintDelay Dist `yaml:"print_delay"`
	// PostDelay: printed → posted.
	PostDelay Dist `yaml:"post_delay"`
	// FailChance: an order fails instead of being printed.
	FailChance float64 `yaml:"fail_chance"`
}

// FaultSpec is what goes wrong on one endpoint group. Chances are per
// request; at most one of server_error, rate_limit, html_error and malformed
// hits a request; slow can come on top.
type FaultSpec struct {
	// ServerError: answer 500 or 503 with a JSON error body.
	ServerError float64 `yaml:"server_error"`
	// RateLimit: answer 429 with Retry-After.
	RateLimit float64 `yaml:"rate_limit"`
	// RetryAfter is the Retry-After sent with 429, in whole seconds (default 1s).
	RetryAfter Duration `yaml:"retry_after"`
	// HTMLError: answer 502 with a text/html error page.
	HTMLError float64 `yaml:"html_error"`
	// Malformed: answer 200 with truncated, invalid JSON.
	Malformed float64 `yaml:"malformed"`
	// Slow: delay the answer by SlowDelay (default 2s).
	Slow      float64  `yaml:"slow"`
	SlowDelay Duration `yaml:"slow_delay"`
	// Outages are windows of simulated time in which every request fails.
	Outages []Outage `yaml:"outages"`
}

// Outage is a window of simulated time in which every request of a group
// fails with Status.
type Outage struct {
	// At is the window's start, relative to the scenario's start.
	At Duration `yaml:"at"`
	// Duration is the window's length.
	Duration Duration `yaml:"duration"`
	// Every repeats the window with this period (0: once).
	Every Duration `yaml:"every"`
	// Status answered (default 503).
	Status int `yaml:"status"`
}

// Load reads a scenario: a shipped name (demo, bergen, copenhagen, faults) or the path of
// a YAML file. Unknown fields are errors with their line number.
func Load(nameOrFile string) (*Scenario, error) {
	var data []byte
	var err error
	name := nameOrFile
	if !strings.ContainsAny(nameOrFile, `/\`) && !strings.HasSuffix(nameOrFile, ".yaml") && !strings.HasSuffix(nameOrFile, ".yml") {
		data, err = shippedScenarios.ReadFile("scenarios/" + nameOrFile + ".yaml")
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load scenario %q: no such shipped scenario (shipped: %s) and not a file path", nameOrFile, strings.Join(ShippedScenarios(), ", "))
		}
	} else {
		data, err = os.ReadFile(nameOrFile)
		name = strings.TrimSuffix(strings.TrimSuffix(path.Base(strings.ReplaceAll(nameOrFile, `\`, "/")), ".yaml"), ".yml")
	}
	if err != nil {
		return nil, fmt.Errorf("load scenario %q: %w", nameOrFile, err)
	}
	sc, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load scenario %q: %w", nameOrFile, err)
	}
	if sc.Name == "" {
		sc.Name = name
	}
	return sc, nil
}

// ShippedScenarios lists the names of the embedded scenarios.
func ShippedScenarios() []string {
	entries, _ := shippedScenarios.ReadDir("scenarios")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Parse decodes a scenario from YAML, fills defaults and validates it.
func Parse(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	sc.defaults()
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func (sc *Scenario) defaults() {
	if sc.Speed <= 0 {
		sc.Speed = 1
	}
	if sc.Sender.Org == "" {
		sc.Sender.Org = "964338531"
	}
	if sc.Sender.Name == "" {
		sc.Sender.Name = "Bergen kommune"
	}
	if sc.Sender.Units <= 0 {
		sc.Sender.Units = max(5, len(sc.Sender.UnitNames))
	}
	if len(sc.Shipments.Channels) == 0 {
		sc.Shipments.Channels = map[string]float64{"svarut": 1}
	}
	if len(sc.Shipments.ConfidentialClasses) == 0 {
		sc.Shipments.ConfidentialClasses = map[string]float64{"taushetsbelagt": 1}
	}
	if len(sc.Shipments.OrdinaryClasses) == 0 {
		sc.Shipments.OrdinaryClasses = map[string]float64{"ordinaer": 1}
	}
	if !sc.Shipments.SentTo.set {
		sc.Shipments.SentTo = TimeRef{set: true}
	}
	if !sc.Shipments.SentFrom.set {
		sc.Shipments.SentFrom = TimeRef{set: true, rel: -7 * 24 * time.Hour}
	}
	d := &sc.Delivery
	defDist(&d.AcceptDelay, Dist{Kind: "uniform", Min: Duration(time.Minute), Max: Duration(10 * time.Minute)})
	defDist(&d.AvailableDelay, Dist{Kind: "uniform", Min: Duration(5 * time.Minute), Max: Duration(time.Hour)})
	defDist(&d.SelfPrintDelay, Dist{Kind: "uniform", Min: Duration(40 * time.Hour), Max: Duration(56 * time.Hour)})
	defDist(&d.PrintedDelay, Dist{Kind: "uniform", Min: Duration(4 * time.Hour), Max: Duration(24 * time.Hour)})
	defDist(&sc.Organisations.Open.Delay, Dist{Kind: "exponential", Mean: Duration(24 * time.Hour), Max: Duration(30 * 24 * time.Hour)})
	for i := range sc.Organisations.Profiles {
		defDist(&sc.Organisations.Profiles[i].Delay, sc.Organisations.Open.Delay)
	}
	if sc.Persons.Open == nil {
		o := sc.Organisations.Open
		if len(sc.Organisations.Profiles) > 0 {
			o = sc.Organisations.Profiles[0].OpenBehaviour
		}
		sc.Persons.Open = &o
	} else {
		defDist(&sc.Persons.Open.Delay, sc.Organisations.Open.Delay)
	}
	n := &sc.Notifications
	if n.MaxEmails <= 0 {
		n.MaxEmails = 2
	}
	if n.MaxPhones < 0 {
		n.MaxPhones = 0
	} else if n.MaxPhones == 0 {
		n.MaxPhones = 1
	}
	defDist(&n.DeliveryDelay, Dist{Kind: "uniform", Min: Duration(time.Minute), Max: Duration(15 * time.Minute)})
	defDist(&sc.Print.PrintDelay, Dist{Kind: "uniform", Min: Duration(2 * time.Hour), Max: Duration(20 * time.Hour)})
	defDist(&sc.Print.PostDelay, Dist{Kind: "uniform", Min: Duration(2 * time.Hour), Max: Duration(10 * time.Hour)})
	if sc.DigitalPost != nil {
		sc.DigitalPost.defaults()
	}
}

func defDist(d *Dist, def Dist) {
	if !d.set {
		*d = def
		d.set = true
	}
}

func (sc *Scenario) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	chance := func(field string, v float64) {
		if v < 0 || v > 1 {
			bad("%s must be between 0 and 1, not %g", field, v)
		}
	}
	if !validOrgNr(sc.Sender.Org) {
		bad("sender.org %q is not a valid Norwegian organisation number", sc.Sender.Org)
	}
	// A scenario of Danish letters only may leave the Norwegian side empty.
	danishOnly := sc.DigitalPost != nil && sc.Organisations.Count == 0 && sc.Shipments.Count == 0
	o := sc.Organisations
	if o.Count <= 0 && !danishOnly {
		bad("organisations.count must be > 0")
	}
	chance("organisations.never_open.share", o.NeverOpen.Share)
	if o.NeverOpen.Orgs < 0 || o.NeverOpen.Orgs > o.Count {
		bad("organisations.never_open.orgs must be between 0 and organisations.count")
	}
	if o.NeverOpen.Shipments > 0 && o.NeverOpen.Orgs == 0 {
		bad("organisations.never_open.shipments needs organisations.never_open.orgs")
	}
	if o.NeverOpen.Shipments > 0 && o.NeverOpen.Shipments < o.NeverOpen.Orgs {
		bad("organisations.never_open.shipments (%d) must be at least never_open.orgs (%d)", o.NeverOpen.Shipments, o.NeverOpen.Orgs)
	}
	chance("organisations.open.chance", o.Open.Chance)
	for i, p := range o.Profiles {
		chance(fmt.Sprintf("organisations.profiles[%d].chance", i), p.Chance)
		if p.Weight < 0 {
			bad("organisations.profiles[%d].weight must be >= 0", i)
		}
	}
	chance("persons.share", sc.Persons.Share)
	if sc.Persons.Share > 0 && sc.Persons.Count <= 0 {
		bad("persons.share > 0 needs persons.count > 0")
	}
	s := sc.Shipments
	if s.Count <= 0 && !danishOnly {
		bad("shipments.count must be > 0")
	}
	if o.NeverOpen.Shipments > s.Count {
		bad("organisations.never_open.shipments (%d) exceeds shipments.count (%d)", o.NeverOpen.Shipments, s.Count)
	}
	for ch, w := range s.Channels {
		if ch != "svarut" && ch != "altinn" {
			bad("shipments.channels: unknown channel %q (svarut, altinn)", ch)
		}
		if w < 0 {
			bad("shipments.channels.%s must be >= 0", ch)
		}
	}
	if sumWeights(s.Channels) <= 0 {
		bad("shipments.channels: weights must sum to > 0")
	}
	chance("shipments.confidential_share", s.ConfidentialShare)
	if sumWeights(s.ConfidentialClasses) <= 0 || sumWeights(s.OrdinaryClasses) <= 0 {
		bad("shipments.confidential_classes and ordinary_classes: weights must sum to > 0")
	}
	d := sc.Delivery
	for _, c := range []struct {
		f string
		v float64
	}{{"reject_chance", d.RejectChance}, {"fail_chance", d.FailChance}, {"reserved_share", d.ReservedShare}, {"lost_chance", d.LostChance}, {"self_print_chance", d.SelfPrintChance}, {"manual_chance", d.ManualChance}} {
		chance("delivery."+c.f, c.v)
	}
	if d.RejectChance+d.FailChance+d.LostChance > 1 {
		bad("delivery: reject_chance + fail_chance + lost_chance must be <= 1")
	}
	r := sc.Register
	for _, c := range []struct {
		f string
		v float64
	}{{"bankrupt_chance", r.BankruptChance}, {"winding_up_chance", r.WindingUpChance}, {"forced_dissolution_chance", r.ForcedDissolutionChance}, {"deleted_chance", r.DeletedChance}, {"removed_chance", r.RemovedChance}, {"unknown_chance", r.UnknownChance}, {"no_postal_address_chance", r.NoPostalAddressChance}, {"no_address_chance", r.NoAddressChance},
		{"sub_unit_chance", r.SubUnitChance}, {"closed_sub_unit_share", r.ClosedSubUnitShare}, {"foreign_address_chance", r.ForeignAddressChance}} {
		chance("register."+c.f, c.v)
	}
	for i, f := range r.Failing {
		if !(len(f.Number) == 9 && validOrgNr(f.Number)) && !(len(f.Number) == 8 && isCVR(f.Number)) {
			bad("register.failing[%d].number %q is neither a Norwegian organisation number nor a CVR number", i, f.Number)
		}
		if f.Until < 0 {
			bad("register.failing[%d].until must not be negative", i)
		}
	}
	seenCVR := map[string]bool{}
	for i, c := range sc.CVR.Companies {
		if !isCVR(c.CVR) {
			bad("cvr.companies[%d].cvr %q is not a valid CVR number", i, c.CVR)
		}
		if seenCVR[c.CVR] {
			bad("cvr.companies[%d].cvr %s is listed twice", i, c.CVR)
		}
		seenCVR[c.CVR] = true
	}
	chance("notifications.none_chance", sc.Notifications.NoneChance)
	chance("notifications.fail_chance", sc.Notifications.FailChance)
	chance("print.fail_chance", sc.Print.FailChance)
	for g, f := range sc.Faults {
		if !knownFaultGroup(g) {
			bad("faults: unknown endpoint group %q (%s)", g, strings.Join(faultGroups, ", "))
		}
		for _, c := range []struct {
			f string
			v float64
		}{{"server_error", f.ServerError}, {"rate_limit", f.RateLimit}, {"html_error", f.HTMLError}, {"malformed", f.Malformed}, {"slow", f.Slow}} {
			chance("faults."+g+"."+c.f, c.v)
		}
		if f.ServerError+f.RateLimit+f.HTMLError+f.Malformed > 1 {
			bad("faults.%s: server_error + rate_limit + html_error + malformed must be <= 1", g)
		}
		for i, w := range f.Outages {
			if w.Duration <= 0 {
				bad("faults.%s.outages[%d].duration must be > 0", g, i)
			}
			if w.Every < 0 || (w.Every > 0 && w.Every <= w.Duration) {
				bad("faults.%s.outages[%d].every must be 0 or longer than duration", g, i)
			}
		}
	}
	if sc.DigitalPost != nil {
		sc.DigitalPost.validate(bad)
	}
	sc.Poison.validate(bad)
	for i := range sc.Incidents {
		sc.Incidents[i].validate(i, bad)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid scenario: %s", strings.Join(errs, "; "))
	}
	return nil
}

func sumWeights(m map[string]float64) float64 {
	var s float64
	for _, w := range m {
		if w > 0 {
			s += w
		}
	}
	return s
}
