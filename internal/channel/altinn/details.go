package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// detailsDoc is the part of CorrespondenceDetailsExt the adapter reads.
type detailsDoc struct {
	CorrespondenceID string          `json:"correspondenceId"`
	Created          flexTime        `json:"created"`
	Recipient        string          `json:"recipient"`
	Status           string          `json:"status"`
	StatusChanged    flexTime        `json:"statusChanged"`
	IsConfidential   bool            `json:"isConfidential"`
	StatusHistory    json.RawMessage `json:"statusHistory"`
	Content          *struct {
		MessageTitle string `json:"messageTitle"`
	} `json:"content"`
}

// statusEvent is one entry of statusHistory.
type statusEvent struct {
	Status        string   `json:"status"`
	StatusText    string   `json:"statusText"`
	StatusChanged flexTime `json:"statusChanged"`
}

// flexTime reads an RFC 3339 date-time and leaves the zero time for
// anything else: a bad timestamp must not hide a good status.
type flexTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t.Time = v
	}
	return nil
}

// detail is what one details answer says: the observation, and for a
// readable answer the fields discovery needs.
type detail struct {
	obs   channel.Observation
	found channel.Found
}

// details reads GET {base}/correspondence/api/v1/correspondence/{id}/details.
// The error return is for failures of the call as a whole (see Status);
// anything wrong with this one id is in obs.Err.
func (c *Client) details(ctx context.Context, id string) (*detail, error) {
	resp, err := c.http.Do(ctx, httpclient.Request{
		Op:      "details",
		Method:  http.MethodGet,
		Path:    basePath + "/" + id + "/details",
		Prepare: c.prepare,
	})
	d := &detail{obs: channel.Observation{ChannelID: id}}
	if err != nil {
		var se *httpclient.StatusError
		if !errors.As(err, &se) {
			return nil, fmt.Errorf("altinn details of %s: %w", id, err)
		}
		switch se.StatusCode {
		case http.StatusNotFound, http.StatusGone:
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s", channel.ErrNotKnown, se.StatusCode, id)
			return d, nil
		case http.StatusUnauthorized, http.StatusForbidden:
			return nil, fmt.Errorf("altinn details of %s (check token, scopes and resource access): %w", id, err)
		}
		if se.Temporary() {
			return nil, fmt.Errorf("altinn details of %s: %w", id, err)
		}
		d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s: %q", channel.ErrBadRecord, se.StatusCode, id, se.Body)
		d.obs.Payload = channel.Evidence(se.Body)
		return d, nil
	}
	if channel.LooksLikeHTML(resp.Header.Get("Content-Type"), resp.Body) {
		// A proxy's or login page: the service, not this record, is broken.
		return nil, channel.NewBadResponse("altinn", "details", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body, errors.New("not JSON"))
	}
	d.obs.Payload = statusEvidence(resp.Body)
	var doc detailsDoc
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		d.obs.Err = fmt.Errorf("%w: details of %s: %v", channel.ErrBadRecord, id, err)
		return d, nil
	}
	if !strings.EqualFold(doc.CorrespondenceID, id) {
		d.obs.Err = fmt.Errorf("%w: asked for %s, got details of %q", channel.ErrBadRecord, id, doc.CorrespondenceID)
		return d, nil
	}
	if h := bytes.TrimSpace(doc.StatusHistory); len(h) > 0 && !bytes.Equal(h, []byte("null")) {
		d.obs.History = append(json.RawMessage(nil), h...)
	}
	status, changed, err := currentStatus(doc)
	if err != nil {
		d.obs.Err = fmt.Errorf("%w: details of %s: %v", channel.ErrBadRecord, id, err)
		return d, nil
	}
	d.obs.Status, d.obs.ChangedAt = status, changed
	statuses.Apply(&d.obs)
	d.found = channel.Found{
		ChannelID:    id,
		SentAt:       doc.Created.Time,
		Recipient:    orgNumber(doc.Recipient),
		PersonID:     personNumber(doc.Recipient),
		Confidential: doc.IsConfidential,
	}
	if doc.Content != nil {
		d.found.Title = doc.Content.MessageTitle
	}
	return d, nil
}

// currentStatus picks the correspondence's status. The top-level status is
// Altinn's own answer: the highest status reached, not counting Fetched (so
// a Fetched after Read does not make a read letter look unread). Only when
// it is missing is statusHistory used: its latest entry by statusChanged,
// Fetched only if nothing else is there.
func currentStatus(doc detailsDoc) (string, time.Time, error) {
	var hist []statusEvent
	if len(doc.StatusHistory) > 0 {
		if err := json.Unmarshal(doc.StatusHistory, &hist); err != nil {
			return "", time.Time{}, fmt.Errorf("statusHistory: %w", err)
		}
	}
	if doc.Status != "" {
		if !doc.StatusChanged.IsZero() {
			return doc.Status, doc.StatusChanged.Time, nil
		}
		var at time.Time
		for _, e := range hist {
			if e.Status == doc.Status && e.StatusChanged.After(at) {
				at = e.StatusChanged.Time
			}
		}
		return doc.Status, at, nil
	}
	var best *statusEvent
	for i := range hist {
		e := &hist[i]
		if e.Status == "" {
			continue
		}
		switch {
		case best == nil,
			best.Status == "Fetched" && e.Status != "Fetched",
			(best.Status == "Fetched") == (e.Status == "Fetched") && e.StatusChanged.After(best.StatusChanged.Time):
			best = e
		}
	}
	if best == nil {
		return "", time.Time{}, errors.New("no status and no status history")
	}
	return best.Status, best.StatusChanged.Time, nil
}

// orgNumber returns the organisation number in a recipient URN
// ("urn:altinn:organization:identifier-no:910753614" or "0192:910753614"),
// or "" for anything else: a national identity number is not kept.
func orgNumber(recipient string) string {
	kind, id := recipientOf(recipient)
	if kind != "org" {
		return ""
	}
	return id
}

// recipientOf reads Altinn's recipient (a URN such as
// urn:altinn:organization:identifier-no:974760673 or
// urn:altinn:person:identifier-no:01017012343, or bare digits) as a kind
// ("org" or "person") and an id; both are empty when it is neither.
func recipientOf(recipient string) (kind, id string) {
	i := strings.LastIndexByte(recipient, ':')
	n := recipient[i+1:]
	for _, r := range n {
		if r < '0' || r > '9' {
			return "", ""
		}
	}
	switch {
	case len(n) == 11 && (strings.Contains(recipient, "person") || i < 0):
		return "person", n
	case len(n) == 9 && !strings.Contains(recipient, "person"):
		return "org", n
	}
	return "", ""
}

// prepare sets the bearer token and asks for JSON.
func (c *Client) prepare(ctx context.Context, r *resty.Request) error {
	r.SetHeader("Accept", "application/json")
	if c.tokens == nil {
		return nil
	}
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return fmt.Errorf("getting an Altinn token: %w", err)
	}
	r.SetHeader("Authorization", "Bearer "+tok)
	return nil
}

// evidenceFields are the parts of a details answer kept as evidence. The
// rest — content (title, summary, body), recipient (may be a national
// identity number) and notifications (addresses) — never leaves Altinn: the
// letter's content is not postvakt's to copy.
var evidenceFields = []string{"correspondenceId", "resourceId", "sender", "sendersReference", "status",
	"statusText", "statusChanged", "statusHistory", "created", "requestedPublishTime", "published",
	"dueDateTime", "isConfidential"}

// statusEvidence reduces a details answer to evidenceFields. An answer that
// is not a JSON object is kept as channel.Evidence keeps garbage.
func statusEvidence(body []byte) json.RawMessage {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(body, &all); err != nil {
		return channel.Evidence(body)
	}
	kept := make(map[string]json.RawMessage, len(evidenceFields))
	for _, k := range evidenceFields {
		if v, ok := all[k]; ok {
			kept[k] = v
		}
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return channel.Evidence(body)
	}
	return out
}

// personNumber returns the national identity number of a person recipient,
// or "".
func personNumber(recipient string) string {
	if kind, id := recipientOf(recipient); kind == "person" {
		return id
	}
	return ""
}
