package sim

import (
	"fmt"
	"math/rand/v2"
)

// The word lists below make plausible Norwegian names and addresses. They
// are invented; any likeness to a real business is chance.

var namePrefixes = []string{
	"Fjord", "Bryggen", "Vest", "Nord", "Fana", "Åsane", "Laksevåg", "Sandviken", "Fløyen",
	"Ulriken", "Hordaland", "Sjøbris", "Kyst", "Havørn", "Nygård", "Møhlenpris", "Solheim",
	"Minde", "Kronstad", "Loddefjord", "Arna", "Ytrebygda", "Nesttun", "Paradis", "Skansen",
	"Nordnes", "Bontelabo", "Damsgård", "Hop", "Kalfaret", "Fyllingen", "Storetveit", "Sletten",
}

var nameSuffixes = []string{
	"Bygg", "Regnskap", "Rør", "Transport", "Eiendom", "Consult", "Helse", "Barnehage",
	"Elektro", "Maskin", "Fisk", "Handel", "Tannhelse", "Omsorg", "Vekst", "Snekkeri",
	"Rådgivning", "Bilverksted", "Frisør", "Renhold", "Arkitekter", "Tømrer", "Data", "Marine",
}

// orgForms are organisation forms with weights (AS dominates).
var orgForms = []struct {
	code, desc string
	weight     int
}{
	{"AS", "Aksjeselskap", 70},
	{"ENK", "Enkeltpersonforetak", 15},
	{"SA", "Samvirkeforetak", 4},
	{"DA", "Selskap med delt ansvar", 3},
	{"STI", "Stiftelse", 4},
	{"FLI", "Forening/lag/innretning", 4},
}

var streets = []string{
	"Strandgaten", "Torgallmenningen", "Kong Oscars gate", "Nygårdsgaten", "Olav Kyrres gate",
	"Fjøsangerveien", "Sandviksveien", "Åsamyrane", "Nesttunvegen", "Fanavegen", "Kanalveien",
	"Damsgårdsveien", "Solheimsgaten", "Inndalsveien", "Vestre Strømkaien", "Lars Hilles gate",
	"Christies gate", "Håkonsgaten", "Michael Krohns gate", "Conrad Mohrs veg", "Liamyrane",
}

// places are postal codes with their post town and municipality.
var places = []struct {
	postnummer, poststed, kommune, kommunenummer string
}{
	{"5003", "BERGEN", "BERGEN", "4601"},
	{"5011", "BERGEN", "BERGEN", "4601"},
	{"5014", "BERGEN", "BERGEN", "4601"},
	{"5035", "BERGEN", "BERGEN", "4601"},
	{"5055", "BERGEN", "BERGEN", "4601"},
	{"5089", "BERGEN", "BERGEN", "4601"},
	{"5141", "FYLLINGSDALEN", "BERGEN", "4601"},
	{"5153", "BØNES", "BERGEN", "4601"},
	{"5221", "NESTTUN", "BERGEN", "4601"},
	{"5231", "PARADIS", "BERGEN", "4601"},
	{"5259", "HJELLESTAD", "BERGEN", "4601"},
	{"5115", "ULSET", "BERGEN", "4601"},
	{"5300", "KLEPPESTØ", "ASKØY", "4627"},
	{"5353", "STRAUME", "ØYGARDEN", "4626"},
	{"5200", "OS", "BJØRNAFJORDEN", "4624"},
}

var unitNames = []string{
	"Etat for byggesak og private planer", "Barnevernstjenesten Bergenhus og Årstad",
	"Barnevernstjenesten Fana og Ytrebygda", "Etat for helsetjenester", "Bymiljøetaten",
	"Etat for landbruk", "Kemnerkontoret", "Plan- og bygningsetaten", "Etat for barnehage",
	"Etat for skole", "Byarkivet", "Etat for sosiale tjenester", "Vann- og avløpsetaten",
	"Etat for eiendom", "Bergen brannvesen", "Etat for tjenestetildeling", "Skatteetaten for Bergen",
	"Etat for kultur", "Etat for idrett", "Næringsetaten",
}

var titles = map[string][]string{
	"taushetsbelagt": {
		"Vedtak om tilskudd", "Pålegg om retting", "Varsel om tilsyn", "Svar på søknad om dispensasjon",
		"Vedtak om tvangsmulkt", "Rapport etter tilsyn", "Vedtak om skjenkebevilling", "Krav om dokumentasjon",
	},
	"barnevern": {
		"Tilbakemelding på bekymringsmelding", "Innkalling til møte", "Vedtak etter barnevernsloven",
		"Anmodning om opplysninger", "Orientering om undersøkelse",
	},
	"ordinaer": {
		"Faktura", "Informasjon om endret renovasjon", "Kvittering for innsendt søknad",
		"Invitasjon til informasjonsmøte", "Påminnelse om frist",
	},
}

// pickName returns a company name and its organisation form.
func pickName(r *rand.Rand) (name, formCode, formDesc string) {
	total := 0
	for _, f := range orgForms {
		total += f.weight
	}
	x := r.IntN(total)
	f := orgForms[0]
	for _, cand := range orgForms {
		if x < cand.weight {
			f = cand
			break
		}
		x -= cand.weight
	}
	base := namePrefixes[r.IntN(len(namePrefixes))] + " " + nameSuffixes[r.IntN(len(nameSuffixes))]
	switch f.code {
	case "ENK":
		return base + " " + []string{"Hansen", "Olsen", "Johannessen", "Nilsen", "Berge"}[r.IntN(5)], f.code, f.desc
	case "STI":
		return "Stiftelsen " + base, f.code, f.desc
	case "FLI":
		return base + " Velforening", f.code, f.desc
	}
	return base + " " + f.code, f.code, f.desc
}

// pickAddress returns an address; postbox selects a "Postboks" address.
func pickAddress(r *rand.Rand, postbox bool) address {
	p := places[r.IntN(len(places))]
	line := fmt.Sprintf("%s %d", streets[r.IntN(len(streets))], 1+r.IntN(120))
	if postbox {
		line = fmt.Sprintf("Postboks %d", 1+r.IntN(9000))
	}
	return address{
		Adresse: []string{line}, Postnummer: p.postnummer, Poststed: p.poststed,
		Kommune: p.kommune, Kommunenummer: p.kommunenummer, Land: "Norge", Landkode: "NO",
	}
}

// pickTitle returns a title for a shipment of the given class.
func pickTitle(r *rand.Rand, class string, caseNo int) string {
	list, ok := titles[class]
	if !ok {
		list = titles["taushetsbelagt"]
	}
	return fmt.Sprintf("%s – sak %d/%05d", list[r.IntN(len(list))], 2018+caseNo%8, caseNo)
}
