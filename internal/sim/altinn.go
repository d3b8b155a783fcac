package sim

import (
	"net/http"
	"strings"
	"time"
)

// altinnBase is the Correspondence API's path prefix.
const altinnBase = "/correspondence/api/v1/correspondence"

// altinnMaxSearch is how many ids a search answers at most (no paging).
const altinnMaxSearch = 1000

// altinnTime formats a time as Altinn does (UTC, fractional seconds).
func altinnTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (s *Sim) altinnRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+altinnBase+"/{id}/details", s.handleCorrespondenceDetails)
	mux.HandleFunc("GET "+altinnBase, s.handleCorrespondenceSearch)
}

var altinnScopes = []string{"altinn:correspondence", "altinn:serviceowner"}

type correspondenceContent struct {
	Language       string `json:"language"`
	MessageTitle   string `json:"messageTitle"`
	MessageSummary string `json:"messageSummary"`
	MessageBody    string `json:"messageBody"`
	Attachments    []any  `json:"attachments"`
}

type correspondenceStatusEvent struct {
	Status        string `json:"status"`
	StatusText    string `json:"statusText"`
	StatusChanged string `json:"statusChanged"`
}

// correspondenceDetails is CorrespondenceDetailsExt as the current service
// answers it (with isConfidential, which the published spec lacks).
type correspondenceDetails struct {
	CorrespondenceID     string                      `json:"correspondenceId"`
	Status               string                      `json:"status"`
	StatusText           string                      `json:"statusText"`
	StatusChanged        string                      `json:"statusChanged"`
	ResourceID           string                      `json:"resourceId"`
	Sender               string                      `json:"sender"`
	SendersReference     string                      `json:"sendersReference"`
	MessageSender        string                      `json:"messageSender"`
	Recipient            string                      `json:"recipient"`
	Created              string                      `json:"created"`
	RequestedPublishTime string                      `json:"requestedPublishTime"`
	Published            string                      `json:"published,omitempty"`
	IsConfirmationNeeded bool                        `json:"isConfirmationNeeded"`
	IsConfidential       bool                        `json:"isConfidential"`
	IgnoreReservation    bool                        `json:"ignoreReservation"`
	Content              correspondenceContent       `json:"content"`
	PropertyList         map[string]string           `json:"propertyList"`
	ExternalReferences   []any                       `json:"externalReferences"`
	ReplyOptions         []any                       `json:"replyOptions"`
	Notifications        []any                       `json:"notifications"`
	StatusHistory        []correspondenceStatusEvent `json:"statusHistory"`
}

// problem answers an RFC 7807 problem, as the Altinn services do.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeJSONBody(w, map[string]any{
		"type":   "https://tools.ietf.org/html/rfc9110#section-15",
		"title":  title,
		"status": status,
		"detail": detail,
	})
}

// altinnShipment finds an Altinn shipment that exists at now.
func (s *Sim) altinnShipment(id string, now time.Time) (*shipment, bool) {
	sh, ok := s.w.byID[strings.ToLower(id)]
	if !ok || sh.channel != "altinn" || sh.sent.After(now) {
		return nil, false
	}
	return sh, true
}

func (s *Sim) handleCorrespondenceDetails(w http.ResponseWriter, r *http.Request) {
	if !s.requireBearer(w, r, altinnScopes...) {
		return
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	if !isUUID(id) {
		problem(w, http.StatusBadRequest, "Bad Request", "correspondenceId must be a uuid")
		return
	}
	now := s.Now()
	sh, ok := s.altinnShipment(id, now)
	if !ok {
		problem(w, http.StatusNotFound, "Not Found", "The requested correspondence was not found")
		return
	}
	writeJSON(w, http.StatusOK, s.details(sh, now))
}

func (s *Sim) details(sh *shipment, now time.Time) correspondenceDetails {
	evs := sh.eventsAt(now)
	last := evs[len(evs)-1]
	d := correspondenceDetails{
		CorrespondenceID: sh.id, Status: last.status, StatusText: last.text, StatusChanged: altinnTime(last.at),
		ResourceID: s.opts.ResourceID, Sender: "urn:altinn:organization:identifier-no:" + s.w.sender.nr,
		SendersReference: sh.ref, MessageSender: s.w.sender.name + ", " + sh.unit,
		Created: altinnTime(sh.sent), RequestedPublishTime: altinnTime(sh.sent),
		IsConfidential: sh.confidential,
		Content: correspondenceContent{Language: "nb", MessageTitle: sh.title,
			MessageSummary: "Du har mottatt et brev fra " + s.w.sender.name + ".",
			MessageBody:    "Brevet er tilgjengelig i innboksen i Altinn.", Attachments: []any{}},
		PropertyList: map[string]string{}, ExternalReferences: []any{}, ReplyOptions: []any{}, Notifications: []any{},
		StatusHistory: make([]correspondenceStatusEvent, len(evs)),
	}
	if sh.kind == "person" {
		d.Recipient = "urn:altinn:person:identifier-no:" + sh.recipientID
	} else {
		d.Recipient = "urn:altinn:organization:identifier-no:" + sh.recipientID
	}
	for i, e := range evs {
		d.StatusHistory[i] = correspondenceStatusEvent{Status: e.status, StatusText: e.text, StatusChanged: altinnTime(e.at)}
		if e.status == alPublished {
			d.Published = altinnTime(e.at)
		}
	}
	return d
}

// handleCorrespondenceSearch lists correspondence ids as the current service
// does: {"ids": [...]}, newest first, at most 1000, no paging; narrow the
// window with from/to.
func (s *Sim) handleCorrespondenceSearch(w http.ResponseWriter, r *http.Request) {
	if !s.requireBearer(w, r, altinnScopes...) {
		return
	}
	q := r.URL.Query()
	resource := q.Get("resourceId")
	if resource == "" {
		problem(w, http.StatusBadRequest, "Bad Request", "resourceId is required")
		return
	}
	role := q.Get("role")
	switch role {
	case "", "Sender", "Recipient", "RecipientAndSender":
	default:
		problem(w, http.StatusBadRequest, "Bad Request", "role must be Recipient, Sender or RecipientAndSender")
		return
	}
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseAltinnTime(v)
		if err != nil {
			problem(w, http.StatusBadRequest, "Bad Request", p.name+" must be a date-time: "+err.Error())
			return
		}
		*p.t = t
	}
	status := q.Get("status")
	ref := q.Get("sendersReference")
	ids := []string{}
	// The simulator's caller is the sender: as a recipient it has nothing.
	if resource == s.opts.ResourceID && role != "Recipient" {
		now := s.Now()
		for _, sh := range s.w.altinn { // newest first
			if len(ids) == altinnMaxSearch {
				break
			}
			if sh.sent.After(now) || (!from.IsZero() && sh.sent.Before(from)) || (!to.IsZero() && sh.sent.After(to)) {
				continue
			}
			if ref != "" && sh.ref != ref {
				continue
			}
			if status != "" {
				if e, _ := sh.statusAt(now); !strings.EqualFold(e.status, status) {
					continue
				}
			}
			ids = append(ids, sh.id)
		}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"ids": ids})
}

func parseAltinnTime(v string) (time.Time, error) {
	v = strings.ReplaceAll(v, " ", "+") // an unescaped + in the query reads as a space
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05", v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}
