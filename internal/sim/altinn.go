package sim

import (
	"bytes"
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

// titleHiddenSince is when Altinn stopped showing the sender a letter's
// title after publishing (June 2025): messageTitle comes back empty.
var titleHiddenSince = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// correspondenceDetails is CorrespondenceDetailsExt as the current service
// answers it (with isConfidential, which the published spec lacks).
type correspondenceDetails struct {
	CorrespondenceID     string                      `json:"correspondenceId"`
	Status               string                      `json:"status"`
	StatusText           string                      `json:"statusText"`
	StatusChanged        any                         `json:"statusChanged"` // a date-time; a number when poisoned
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

// altinnShipment finds an Altinn shipment that exists at now (a
// never_sent one never does).
func (s *Sim) altinnShipment(id string, now time.Time) (*shipment, bool) {
	sh, ok := s.w.byID[strings.ToLower(id)]
	if !ok || sh.channel != "altinn" || sh.sent.After(now) || sh.poison == poisonNeverSent {
		return nil, false
	}
	return sh, true
}

// problemCode answers an RFC 7807 problem with Altinn Correspondence's
// error code.
func problemCode(w http.ResponseWriter, status, code int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeJSONBody(w, map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110#section-15", "title": title, "status": status, "detail": detail, "code": code,
	})
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
		problemCode(w, http.StatusNotFound, 1001, "Not Found", "The requested correspondence was not found") // CorrespondenceNotFound
		return
	}
	switch sh.poison {
	case poisonForbidden:
		problemCode(w, http.StatusUnauthorized, 4001, "Unauthorized", "You must use a bearer token that belongs to the sender or recipient")
		return
	case poisonFailsForever:
		problem(w, http.StatusInternalServerError, "Internal Server Error", "An error occurred while processing the request")
		return
	case poisonTruncated:
		var buf bytes.Buffer
		writeJSONBody(&buf, s.details(sh, now))
		body := buf.Bytes()
		if i := bytes.Index(body, []byte(`"resourceId"`)); i > 0 {
			body = body[:i+20] // cut off after the status fields, inside the next value
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	writeJSONRaw(w, http.StatusOK, s.details(sh, now))
}

// details is the correspondence as Altinn answers its sender at now: the
// top-level status is the highest-ranked status reached (channelStatusAt),
// the title is empty once published since June 2025, and a poison puts odd
// bytes into statusText or epoch seconds into statusChanged.
func (s *Sim) details(sh *shipment, now time.Time) correspondenceDetails {
	evs := sh.eventsAt(now)
	top, _ := sh.channelStatusAt(now)
	var changed any = altinnTime(top.at)
	if sh.poison == poisonEpochSeconds {
		changed = top.at.Unix()
	}
	title := sh.title
	for _, e := range evs {
		if e.status == alPublished && !e.at.Before(titleHiddenSince) {
			title = ""
		}
	}
	d := correspondenceDetails{
		CorrespondenceID: sh.id, Status: top.status, StatusText: poisonedText(sh, top.text), StatusChanged: changed,
		ResourceID: s.opts.ResourceID, Sender: "urn:altinn:organization:identifier-no:" + s.w.sender.nr,
		SendersReference: sh.ref, MessageSender: s.w.sender.name + ", " + sh.unit,
		Created: altinnTime(sh.sent), RequestedPublishTime: altinnTime(sh.sent),
		IsConfidential: sh.confidential,
		Content: correspondenceContent{Language: "nb", MessageTitle: title,
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
		d.StatusHistory[i] = correspondenceStatusEvent{Status: e.status, StatusText: poisonedText(sh, e.text), StatusChanged: altinnTime(e.at)}
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
		for _, sh := range s.w.altinnListed { // newest first
			if len(ids) == altinnMaxSearch {
				break
			}
			// RequestedPublishTime (here: sent) with exclusive bounds, as the service filters.
			if sh.sent.After(now) || (!from.IsZero() && !sh.sent.After(from)) || (!to.IsZero() && !sh.sent.Before(to)) {
				continue
			}
			if ref != "" && sh.ref != ref {
				continue
			}
			if status != "" {
				if e, _ := sh.channelStatusAt(now); !strings.EqualFold(e.status, status) {
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
