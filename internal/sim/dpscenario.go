package sim

import (
	"fmt"
	"slices"
	"time"
)

// DigitalPost is the Danish side of a scenario: letters a Danish authority
// sends through Digital Post (NgDP) to companies (CVR) and citizens (CPR),
// and how the event log ("hændelsesloggen") tells of them. It is optional:
// a scenario without it has no Danish letters and an empty event log.
type DigitalPost struct {
	// Sender is the sending authority.
	Sender DPSender `yaml:"sender"`
	// Companies is the number of receiving companies (CVR numbers).
	Companies int `yaml:"companies"`
	// Citizens is the number of receiving citizens (CPR numbers).
	Citizens int `yaml:"citizens"`
	// CitizenShare is the share of letters addressed to citizens.
	CitizenShare float64 `yaml:"citizen_share"`
	// Letters is the number of letters.
	Letters int `yaml:"letters"`
	// SentFrom and SentTo bound the sent times (RFC 3339 or relative to the
	// start); sent times are uniform between. Defaults -7d and 0s.
	SentFrom TimeRef `yaml:"sent_from"`
	SentTo   TimeRef `yaml:"sent_to"`
	// ConfidentialShare is the chance that a letter is registered as
	// confidential (sensitive personal data).
	ConfidentialShare float64 `yaml:"confidential_share"`

	// ValidateDelay: received → validated (MEMO_SEND_RECEIVED → MEMO_SEND_VALIDATED).
	ValidateDelay Dist `yaml:"validate_delay"`
	// AvailableDelay: validated → available to the recipient.
	AvailableDelay Dist `yaml:"available_delay"`
	// Open is how citizens open their letters; CompanyOpen how companies do
	// (default: Open).
	Open        OpenBehaviour  `yaml:"open"`
	CompanyOpen *OpenBehaviour `yaml:"company_open"`
	// RejectChance: the letter fails validation (MEMO_SEND_VALIDATION_FAILED).
	RejectChance float64 `yaml:"reject_chance"`
	// FailChance: validated, then could not be delivered (MEMO_SEND_FAILED).
	FailChance float64 `yaml:"fail_chance"`
	// DelayedShare: letters sent with a delayed delivery
	// (DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY, later DELAYED_MEMO_SEND_SENT).
	DelayedShare float64 `yaml:"delayed_share"`
	// RecallChance: of delayed letters, the share the sender recalls before
	// delivery (MEMO_SEND_RECALLED).
	RecallChance float64 `yaml:"recall_chance"`
	// RecipientSystemShare: of company letters, the share delivered into
	// the company's own system (MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM, then
	// MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM) instead of a mailbox.
	RecipientSystemShare float64 `yaml:"recipient_system_share"`
	// PhysicalPostChance: of citizen letters still unopened after
	// PhysicalPostDelay, the share Digital Post prints and posts itself
	// (UNOPENED_MAIL_AS_PHYSICAL_POST, UNOPENED_MAIL_SENT_AS_PHYSICAL_POST);
	// the others get UNOPENED_MAIL_NOT_AS_PHYSICAL_POST.
	PhysicalPostChance float64 `yaml:"physical_post_chance"`
	PhysicalPostDelay  Dist    `yaml:"physical_post_delay"`
	// UnknownTagChance: a letter also gets an event with a tag postvakt has
	// no meaning for (the log has 129 tags; the sim's is made up).
	UnknownTagChance float64 `yaml:"unknown_tag_chance"`

	// Log is how the event log behaves as a list endpoint.
	Log DPLog `yaml:"log"`
	// Outages are provider failures: letters validated in the window that
	// never become available (the Copenhagen case of May 2020).
	Outages []DPOutage `yaml:"outages"`
	// LostUnits are sending units whose letters never reach Digital Post at
	// all: no event, ever.
	LostUnits []string `yaml:"lost_units"`
	// LostSystems are sender systems whose letters sent in a window never
	// reach Digital Post at all: no event, ever (the Copenhagen case of
	// December 2019: the system SEPO's letters were dropped as spam before
	// they reached e-Boks, whichever unit sent them).
	LostSystems []DPLostSystem `yaml:"lost_systems"`
}

// DPSystem is one of the sender's systems: each letter is registered with
// postvakt by one of the systems serving its unit (its sender_system).
type DPSystem struct {
	// Name is the system's name, as it registers letters with postvakt.
	Name string `yaml:"name"`
	// Units are the units that send through it; empty: every unit.
	Units []string `yaml:"units"`
	// Share is its weight among the systems a unit sends through (default 1).
	Share float64 `yaml:"share"`
}

// DPLostSystem is a window in which a sender system's letters never reach
// Digital Post, or, with Release, reach it late.
type DPLostSystem struct {
	System string `yaml:"system"`
	// From and To bound the letters' sent times (RFC 3339 or relative to
	// the start); unset: unbounded.
	From TimeRef `yaml:"from"`
	To   TimeRef `yaml:"to"`
	// Release, when set, holds the letters instead: they reach Digital
	// Post this long after To (the system's queue let go), and their
	// events follow from then (incident held_by_sender_system).
	Release Duration `yaml:"release"`
}

// lost reports whether the window catches a letter of system sent at t.
func (l DPLostSystem) lost(system string, t, start time.Time) bool {
	return l.System == system && (!l.From.set || !t.Before(l.From.resolve(start))) && (!l.To.set || t.Before(l.To.resolve(start)))
}

// DPSender is the Danish sending authority.
type DPSender struct {
	// CVR is its CVR number (default 64942212, Københavns Kommune).
	CVR string `yaml:"cvr"`
	// Name (default "Københavns Kommune").
	Name string `yaml:"name"`
	// Units are the sending units (forvaltninger); default five.
	Units []string `yaml:"units"`
	// System is the sender system's name in the log (default "Sagssystem").
	System string `yaml:"system"`
	// Systems are the systems that register its letters with postvakt
	// (default: System alone, for every unit).
	Systems []DPSystem `yaml:"systems"`
}

// DPLog is how the event log answers.
type DPLog struct {
	// CreatedLag: eventTime → created (when the log stored the event).
	CreatedLag Dist `yaml:"created_lag"`
	// LateChance: an event becomes visible in searches only LateDelay after
	// its created time, so a window already read gains it later.
	LateChance float64 `yaml:"late_chance"`
	LateDelay  Dist    `yaml:"late_delay"`
	// DuplicateChance: an event is listed twice.
	DuplicateChance float64 `yaml:"duplicate_chance"`
	// PageSizeCap is the largest page served, whatever size asks (default 500).
	PageSizeCap int `yaml:"page_size_cap"`
	// OddTimeChance: an event's times come in another shape (a numeric
	// offset "+0000", or epoch milliseconds).
	OddTimeChance float64 `yaml:"odd_time_chance"`
	// BrokenChance: an event entry is unusable (no id, or a time that is
	// not a time).
	BrokenChance float64 `yaml:"broken_chance"`
	// SearchEvents: every events/ query adds an EVENT_LOG_SEARCHES event.
	SearchEvents bool `yaml:"search_events"`
}

// DPOutage is a window in which the provider fails letters silently.
type DPOutage struct {
	// From and To bound the window (RFC 3339 or relative to the start); a
	// letter validated inside it may be caught.
	From TimeRef `yaml:"from"`
	To   TimeRef `yaml:"to"`
	// Share of the letters validated in the window that are caught: they
	// stay at MEMO_SEND_VALIDATED.
	Share float64 `yaml:"share"`
	// RedeliveredShare of the caught letters that the provider later
	// re-delivers (MEMO_AVAILABLE_TO_RECIPIENT after the outage).
	RedeliveredShare float64 `yaml:"redelivered_share"`
	// RedeliverDelay: end of the window → re-delivery.
	RedeliverDelay Dist `yaml:"redeliver_delay"`
}

func (d *DigitalPost) defaults() {
	if d.Sender.CVR == "" {
		d.Sender.CVR = "64942212"
	}
	if d.Sender.Name == "" {
		d.Sender.Name = "Københavns Kommune"
	}
	if len(d.Sender.Units) == 0 {
		d.Sender.Units = []string{"Børne- og Ungdomsforvaltningen", "Socialforvaltningen",
			"Sundheds- og Omsorgsforvaltningen", "Teknik- og Miljøforvaltningen", "Beskæftigelses- og Integrationsforvaltningen"}
	}
	if d.Sender.System == "" {
		d.Sender.System = "Sagssystem"
	}
	if len(d.Sender.Systems) == 0 {
		d.Sender.Systems = []DPSystem{{Name: d.Sender.System}}
	}
	for i := range d.Sender.Systems {
		if d.Sender.Systems[i].Share == 0 {
			d.Sender.Systems[i].Share = 1
		}
	}
	if !d.SentTo.set {
		d.SentTo = TimeRef{set: true}
	}
	if !d.SentFrom.set {
		d.SentFrom = TimeRef{set: true, rel: -7 * 24 * time.Hour}
	}
	defDist(&d.ValidateDelay, Dist{Kind: "uniform", Min: Duration(2 * time.Second), Max: Duration(2 * time.Minute)})
	defDist(&d.AvailableDelay, Dist{Kind: "uniform", Min: Duration(30 * time.Second), Max: Duration(20 * time.Minute)})
	defDist(&d.Open.Delay, Dist{Kind: "exponential", Min: Duration(10 * time.Minute), Mean: Duration(24 * time.Hour), Max: Duration(20 * 24 * time.Hour)})
	if d.CompanyOpen == nil {
		o := d.Open
		d.CompanyOpen = &o
	} else {
		defDist(&d.CompanyOpen.Delay, d.Open.Delay)
	}
	defDist(&d.PhysicalPostDelay, Dist{Kind: "uniform", Min: Duration(7 * 24 * time.Hour), Max: Duration(9 * 24 * time.Hour)})
	defDist(&d.Log.CreatedLag, Dist{Kind: "uniform", Min: Duration(50 * time.Millisecond), Max: Duration(3 * time.Second)})
	defDist(&d.Log.LateDelay, Dist{Kind: "uniform", Min: Duration(30 * time.Second), Max: Duration(5 * time.Minute)})
	if d.Log.PageSizeCap <= 0 {
		d.Log.PageSizeCap = 500
	}
	for i := range d.Outages {
		defDist(&d.Outages[i].RedeliverDelay, Dist{Kind: "uniform", Min: Duration(14 * 24 * time.Hour), Max: Duration(21 * 24 * time.Hour)})
	}
}

func (d *DigitalPost) validate(bad func(format string, args ...any)) {
	chance := func(field string, v float64) {
		if v < 0 || v > 1 {
			bad("digitalpost.%s must be between 0 and 1, not %g", field, v)
		}
	}
	if !validCVR(d.Sender.CVR) {
		bad("digitalpost.sender.cvr %q is not a valid CVR number (8 digits, mod-11)", d.Sender.CVR)
	}
	if d.Letters <= 0 {
		bad("digitalpost.letters must be > 0")
	}
	if d.Companies < 0 || d.Citizens < 0 || d.Companies+d.Citizens == 0 {
		bad("digitalpost: companies and citizens must be >= 0, and not both 0")
	}
	chance("citizen_share", d.CitizenShare)
	if d.CitizenShare > 0 && d.Citizens == 0 {
		bad("digitalpost.citizen_share > 0 needs citizens > 0")
	}
	if d.CitizenShare < 1 && d.Companies == 0 {
		bad("digitalpost.citizen_share < 1 needs companies > 0")
	}
	for _, c := range []struct {
		f string
		v float64
	}{{"confidential_share", d.ConfidentialShare}, {"open.chance", d.Open.Chance}, {"company_open.chance", d.CompanyOpen.Chance},
		{"reject_chance", d.RejectChance}, {"fail_chance", d.FailChance}, {"delayed_share", d.DelayedShare},
		{"recall_chance", d.RecallChance}, {"recipient_system_share", d.RecipientSystemShare},
		{"physical_post_chance", d.PhysicalPostChance}, {"unknown_tag_chance", d.UnknownTagChance},
		{"log.late_chance", d.Log.LateChance}, {"log.duplicate_chance", d.Log.DuplicateChance},
		{"log.odd_time_chance", d.Log.OddTimeChance}, {"log.broken_chance", d.Log.BrokenChance}} {
		chance(c.f, c.v)
	}
	if d.RejectChance+d.FailChance > 1 {
		bad("digitalpost: reject_chance + fail_chance must be <= 1")
	}
	for i, o := range d.Outages {
		chance(fmt.Sprintf("outages[%d].share", i), o.Share)
		chance(fmt.Sprintf("outages[%d].redelivered_share", i), o.RedeliveredShare)
		if !o.From.set || !o.To.set {
			bad("digitalpost.outages[%d]: from and to are required", i)
		}
	}
	units := map[string]bool{}
	for _, u := range d.Sender.Units {
		units[u] = true
	}
	for _, u := range d.LostUnits {
		if !units[u] {
			bad("digitalpost.lost_units: %q is not one of digitalpost.sender.units", u)
		}
	}
	systems, served := map[string]bool{}, map[string]bool{}
	for i, sy := range d.Sender.Systems {
		if sy.Name == "" || systems[sy.Name] {
			bad("digitalpost.sender.systems[%d]: a name is required, once", i)
		}
		systems[sy.Name] = true
		if sy.Share < 0 {
			bad("digitalpost.sender.systems[%d].share must be > 0", i)
		}
		for _, u := range sy.Units {
			if !units[u] {
				bad("digitalpost.sender.systems[%d].units: %q is not one of digitalpost.sender.units", i, u)
			}
			served[u] = true
		}
		if len(sy.Units) == 0 {
			for u := range units {
				served[u] = true
			}
		}
	}
	for _, u := range d.Sender.Units {
		if !served[u] {
			bad("digitalpost.sender.units: no system sends the letters of %q (digitalpost.sender.systems)", u)
		}
	}
	for i, l := range d.LostSystems {
		if !systems[l.System] {
			bad("digitalpost.lost_systems[%d]: %q is not one of digitalpost.sender.systems", i, l.System)
		}
		if l.Release < 0 || (l.Release > 0 && !l.To.set) {
			bad("digitalpost.lost_systems[%d].release needs a to, and must not be negative", i)
		}
	}
}

// systemsOf returns the systems a unit sends through and their weights.
func (d *DigitalPost) systemsOf(unit string) ([]string, []float64) {
	var names []string
	var weights []float64
	for _, sy := range d.Sender.Systems {
		if len(sy.Units) == 0 || slices.Contains(sy.Units, unit) {
			names, weights = append(names, sy.Name), append(weights, sy.Share)
		}
	}
	return names, weights
}

// validCVR reports whether s is a Danish CVR number: 8 digits, the first
// not 0, whose weighted sum (2 7 6 5 4 3 2 1) is divisible by 11.
func validCVR(s string) bool {
	if len(s) != 8 || !allDigits(s) || s[0] == '0' {
		return false
	}
	return cvrSum(s)%11 == 0
}

func cvrSum(s string) int {
	weights := [8]int{2, 7, 6, 5, 4, 3, 2, 1}
	sum := 0
	for i := 0; i < len(s) && i < 8; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	return sum
}
