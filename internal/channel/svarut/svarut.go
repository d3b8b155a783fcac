// Package svarut is the KS SvarUt channel adapter: it asks SvarUt for the
// status of shipments (forsendelser) in bulk and fetches their event
// history. It speaks the v2 REST API (Maskinporten bearer token plus
// IntegrasjonId/IntegrasjonPassord headers), or, configurably, the v3
// status search (same credentials; what Digdir's eFormidling asks since
// 2026) or the legacy v1 API (HTTP Basic).
package svarut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// API versions.
const (
	APIv2 = "v2"
	APIv3 = "v3"
	APIv1 = "v1"
)

// DefaultBatchSize is how many ids one status-sok carries by default. The
// API documents no maximum; 500 keeps a request well under a megabyte.
const DefaultBatchSize = 500

// Config configures the adapter. The lead wires it from POSTVAKT_SVARUT_*.
type Config struct {
	// BaseURL for v2 is the API root as in SvarUt's OpenAPI servers:
	// https://svarut.ks.no/api (test: https://test.svarut.ks.no/api);
	// paths /v2/… (v3: /v3/…) are appended. For v1 it is the service root,
	// https://svarut.ks.no, to which /tjenester/api/forsendelse/v1 is
	// appended. (POSTVAKT_SVARUT_URL)
	BaseURL string
	// API is "v2" (default), "v3" (the v3 status search, the v2 history:
	// v3 has none) or "v1". (POSTVAKT_SVARUT_API)
	API string
	// KontoID is the sending account's UUID, v2 and v3. (POSTVAKT_SVARUT_KONTO_ID)
	KontoID string
	// IntegrasjonID and IntegrasjonPassord identify the integration, v2
	// and v3. (POSTVAKT_SVARUT_INTEGRASJON_ID, POSTVAKT_SVARUT_INTEGRASJON_PASSORD)
	IntegrasjonID      string
	IntegrasjonPassord string
	// User and Password are the avsender's name and service password for
	// HTTP Basic, v1 only. (POSTVAKT_SVARUT_USER, POSTVAKT_SVARUT_PASSWORD)
	User     string
	Password string
	// BatchSize is how many ids one status request carries. Default 500.
	BatchSize int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Secrets returns the configured passwords, for httpclient.Options.Secrets.
func (c Config) Secrets() []string {
	var s []string
	for _, v := range []string{c.IntegrasjonPassord, c.Password} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// Doer sends a request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// TokenSource gives Maskinporten access tokens (scope ks:fiks);
// *maskinporten.Source is one. It is httpclient's: httpclient.Bearer puts
// the tokens in the requests.
type TokenSource = httpclient.TokenSource

// Client is the SvarUt adapter. It implements channel.Channel and
// channel.HistoryFetcher.
type Client struct {
	cfg    Config
	http   Doer
	tokens TokenSource
	log    *slog.Logger
}

var (
	_ channel.Channel            = (*Client)(nil)
	_ channel.HistoryFetcher     = (*Client)(nil)
	_ channel.HistoryAsOfFetcher = (*Client)(nil)
)

// New checks cfg and builds the adapter. hc should be an httpclient.Client
// with Name "svarut", BaseURL cfg.BaseURL and Secrets cfg.Secrets(). tokens
// is required for v2 and v3 (the start refuses them without Maskinporten);
// nil is for tests whose endpoint takes no bearer token.
func New(cfg Config, hc Doer, tokens TokenSource) (*Client, error) {
	if hc == nil {
		return nil, errors.New("svarut: an HTTP client is required")
	}
	if cfg.API == "" {
		cfg.API = APIv2
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch cfg.API {
	case APIv2, APIv3:
		if !channel.ValidUUID(cfg.KontoID) {
			return nil, fmt.Errorf("svarut: KontoID %q is not a UUID", cfg.KontoID)
		}
		if cfg.IntegrasjonID == "" || cfg.IntegrasjonPassord == "" {
			return nil, fmt.Errorf("svarut: %s needs IntegrasjonID and IntegrasjonPassord", cfg.API)
		}
		if tokens == nil {
			cfg.Logger.Warn("svarut: no Maskinporten token source; " + cfg.API + " requests go without Authorization")
		}
	case APIv1:
		if cfg.User == "" || cfg.Password == "" {
			return nil, errors.New("svarut: v1 needs User and Password")
		}
	default:
		return nil, fmt.Errorf("svarut: API %q, want v2, v3 or v1", cfg.API)
	}
	return &Client{cfg: cfg, http: hc, tokens: tokens, log: cfg.Logger.With("channel", "svarut")}, nil
}

// Name returns "svarut".
func (c *Client) Name() string { return "svarut" }

// BatchSize returns Config.BatchSize.
func (c *Client) BatchSize() int { return c.cfg.BatchSize }

// Status asks SvarUt for the status of ids, BatchSize ids per request. Ids
// that are not UUIDs are not sent and come back with ErrInvalidID; ids
// absent from SvarUt's answer come back with ErrNotKnown; unknown status
// values with ErrUnknownStatus. The error return is for a request that
// failed as a whole (after retries), or an answer that could not be read
// (a *channel.BadResponseError); no observations are returned then.
func (c *Client) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	obs := make([]channel.Observation, len(ids))
	var send []string
	seen := map[string]bool{}
	for i, id := range ids {
		obs[i].ChannelID = id
		if !channel.ValidUUID(id) {
			obs[i].Err = fmt.Errorf("%w: %q is not a UUID", channel.ErrInvalidID, id)
			continue
		}
		if k := strings.ToLower(id); !seen[k] {
			seen[k] = true
			send = append(send, id)
		}
	}
	found := map[string]channel.Observation{}
	for start := 0; start < len(send); start += c.cfg.BatchSize {
		batch := send[start:min(start+c.cfg.BatchSize, len(send))]
		var err error
		if c.cfg.API == APIv1 {
			err = c.statusV1(ctx, batch, found)
		} else {
			err = c.statusSok(ctx, batch, found)
		}
		if err != nil {
			return nil, err
		}
	}
	for i := range obs {
		if obs[i].Err != nil {
			continue
		}
		o, ok := found[strings.ToLower(obs[i].ChannelID)]
		if !ok {
			obs[i].Err = fmt.Errorf("%w: SvarUt's answer has no status for %s", channel.ErrNotKnown, obs[i].ChannelID)
			continue
		}
		o.ChannelID = obs[i].ChannelID
		obs[i] = o
	}
	return obs, nil
}

// History returns SvarUt's event log for one shipment, as SvarUt sent it
// but for person ids in its texts, masked: v2 {"hendelser":[{"tidspunkt",
// "hendelse"}]} (asked with v3 too: v3 has no history of its own), v1
// {"hendelsesLogger":[…]}.
func (c *Client) History(ctx context.Context, id string) (json.RawMessage, error) {
	return c.HistoryAsOf(ctx, id, time.Time{})
}

// historyLag is how much earlier than the status's sisteStatusEndring the
// change's event may be dated in the history (two clock readings of one
// change, a v1 time without its milliseconds) and still be the change's.
const historyLag = time.Minute

// HistoryAsOf is History of a change SvarUt dated changedAt: a history
// whose last dated event is older than that (by more than historyLag) is
// an error, as an empty one is: the change's event is not written yet.
// Zero changedAt, or a history without a time postvakt can read, is not
// judged.
func (c *Client) HistoryAsOf(ctx context.Context, id string, changedAt time.Time) (json.RawMessage, error) {
	if !channel.ValidUUID(id) {
		return nil, fmt.Errorf("svarut history: %w: %q is not a UUID", channel.ErrInvalidID, id)
	}
	// Secondary: a history failing (its endpoint, a few letters') does not
	// open the breaker on the status calls, which answer.
	req := httpclient.Request{Op: "history", Method: http.MethodGet, Path: "/v2/forsendelser/" + id + "/hendelser", Secondary: true}.With(c.prepareV2(nil))
	key := "hendelser"
	if c.cfg.API == APIv1 {
		req.Path, req.Prepare, key = v1Base+"/"+id+"/historikk", c.prepareV1(nil), "hendelsesLogger"
	}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		// SvarUt's own 404 or 410 (its ErrorMessage, or no body) is the
		// letter unknown; a proxy's page says nothing of the letter.
		var se *httpclient.StatusError
		if errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone) && svarutsOwn(se.Body) {
			return nil, fmt.Errorf("svarut history of %s: %w (%w)", id, channel.ErrNotKnown, err)
		}
		return nil, fmt.Errorf("svarut history of %s: %w", id, err)
	}
	// The history's texts name recipients and readers by national id: masked
	// before anything keeps any of it (evidence, a log). An answer that
	// cannot be read goes to bad as it came: what it keeps is masked there,
	// and its fingerprint's hash must be of what SvarUt sent.
	body := model.MaskPersonIDsIn(resp.Body)
	if channel.LooksLikeHTML(resp.Header.Get("Content-Type"), body) {
		return nil, c.bad("history", resp, errors.New("not JSON"))
	}
	if err := hasKey(body, key); err != nil {
		return nil, c.bad("history", resp, err)
	}
	kept, entries, err := historyFacts(body, key)
	if err != nil {
		return nil, c.bad("history", resp, err)
	}
	if len(entries) == 0 {
		// SvarUt writes an event for every status a letter takes (Mottatt
		// at its sending), and a history is asked for a change: none is
		// its event not written yet. Kept, it would stand as the change's
		// evidence, never asked for again; an error has it asked for at
		// the next poll.
		return nil, fmt.Errorf("svarut history of %s: no events yet (%s is empty)", id, key)
	}
	if last, ok := lastEvent(entries); ok && !changedAt.IsZero() && last.Before(changedAt.Add(-historyLag)) {
		// Kept, it would stand as the change's evidence without the
		// change, never asked for again (as an empty one would).
		return nil, fmt.Errorf("svarut history of %s: the change's event not written yet (its last event is of %s, the status of %s)",
			id, last.UTC().Format(time.RFC3339), changedAt.UTC().Format(time.RFC3339))
	}
	return kept, nil
}

// lastEvent is the time of the latest entry whose tidspunkt can be read
// (as a sisteStatusEndring is: parseTime); false when none can. A time in
// the hour Oslo's clocks go back over counts as the later of its two
// instants: without a zone (v1's historikk) it may be either, and read as
// the earlier (parseTime) a reading then was an hour behind its status,
// its history never kept.
func lastEvent(entries []historyEntry) (time.Time, bool) {
	var last time.Time
	for _, e := range entries {
		at, err := parseTime(e.Tidspunkt)
		if err != nil {
			continue
		}
		if later := at.Add(time.Hour); later.In(oslo).Format(time.DateTime) == at.In(oslo).Format(time.DateTime) {
			at = later
		}
		if at.After(last) {
			last = at
		}
	}
	return last, !last.IsZero()
}

// historyEntry is what the evidence keeps of an entry of SvarUt's history:
// its time and its text (the schema's Hendelse, required both). A field
// SvarUt may add beside them (a title, a recipient's name), or beside the
// list, is letter content, which the evidence never keeps.
type historyEntry struct {
	Tidspunkt json.RawMessage `json:"tidspunkt,omitempty"`
	Hendelse  json.RawMessage `json:"hendelse,omitempty"`
}

// historyFacts is the history b (a JSON object with key) with its entries'
// time and text only, and those entries. A list that is null is none (the
// schema's list is required): kept, it would stand as the letter's
// history, never asked for again.
func historyFacts(b []byte, key string) (json.RawMessage, []historyEntry, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	if bytes.Equal(bytes.TrimSpace(doc[key]), []byte("null")) {
		return nil, nil, fmt.Errorf("%s is null, not a list of entries", key)
	}
	var entries []historyEntry
	if err := json.Unmarshal(doc[key], &entries); err != nil {
		return nil, nil, fmt.Errorf("%s is not a list of entries: %w", key, err)
	}
	out, err := json.Marshal(map[string][]historyEntry{key: entries})
	if err != nil {
		return nil, nil, err
	}
	return out, entries, nil
}

// hasKey says why b is not a JSON object with key among its top-level
// keys; nil when it is one. A valid document is searched by a plain walk
// of its bytes; only one that fails it is decoded, for the decoder's own
// words (decoding every history whole was a twentieth of a poll cycle's
// CPU).
func hasKey(b []byte, key string) error {
	if json.Valid(b) && topKey(b, key) {
		return nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if _, ok := doc[key]; !ok {
		return fmt.Errorf("no %q in the answer", key)
	}
	return nil
}

// topKey says whether valid JSON b is an object with key among its
// top-level keys (read as encoding/json reads a map's keys: unescaped).
func topKey(b []byte, key string) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			start, escaped := i, false
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					escaped = true
					i++
				}
			}
			if depth != 1 || !followedByColon(b[i+1:]) {
				continue
			}
			if !escaped {
				if string(b[start+1:i]) == key {
					return true
				}
				continue
			}
			var k string
			if json.Unmarshal(b[start:i+1], &k) == nil && k == key {
				return true
			}
		}
	}
	return false
}

// followedByColon: the next byte after white space is a colon (the string
// before it is a key).
func followedByColon(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == ':'
}

// record is one status entry in either API's answer.
type record struct {
	ID             string `json:"id"` // v2
	ForsendelsesID *struct {
		ID string `json:"id"`
	} `json:"forsendelsesId"` // v1
	SisteStatusEndring json.RawMessage `json:"sisteStatusEndring"`
	Status             string          `json:"status"`
}

// collect parses the status records of one answer into found, keyed by
// lower-case id; of two records for one id a reading wins, else the later
// change (at one time, as weightAtOneTime orders them): laterRecord. A
// record that cannot be read is that id's problem (ErrBadRecord or
// ErrBadTimestamp, with the record as evidence) when its id can still be
// found; a record without a readable id is logged and left out, so its
// shipment is reported missing from the answer.
func (c *Client) collect(op string, raw []json.RawMessage, found map[string]channel.Observation) {
	for _, r := range raw {
		rec, evidence, recErr := readRecord(r)
		id := rec.ID
		if id == "" && rec.ForsendelsesID != nil {
			id = rec.ForsendelsesID.ID
		}
		if recErr != nil && id == "" {
			id = idOf(r)
		}
		if id == "" {
			c.log.Warn("svarut: status record without a readable id skipped", "op", op, "record_bytes", len(r), "error", recErr)
			continue
		}
		o := channel.Observation{ChannelID: id, Status: rec.Status, Payload: evidence}
		if recErr != nil {
			o.Err = fmt.Errorf("%w: SvarUt's record for %s: %v", channel.ErrBadRecord, id, recErr)
		} else {
			statuses.Apply(&o)
			at, err := parseTime(rec.SisteStatusEndring)
			switch {
			case err == nil, o.Err != nil:
			case o.Disposition != channel.DispositionNone:
				// SvarUt printed or closed the letter, whenever that was:
				// refused for its time, the record was the letter's error
				// at every poll, and postvakt reminded and printed a
				// letter SvarUt had printed. Taken at the poll's time; the
				// record, its time as sent, is the evidence. A reading
				// stays refused: its time is what it proves.
				c.log.Warn("svarut: a status that ends escalation has a time that cannot be read; taken at the poll's time",
					"op", op, "status", o.Status, "error", err)
			default:
				o.State, o.KeepState, o.Err = "", false, err
			}
			o.ChangedAt = at
		}
		k := strings.ToLower(id)
		if prev, ok := found[k]; ok && prev.Err == nil && (o.Err != nil || laterRecord(prev, o)) {
			continue
		}
		found[k] = o
	}
}

// laterRecord reports whether prev, a record for a letter read before o in
// the same answer, stands against o: it changed later, or at one time it
// weighs more (weightAtOneTime). A reading (LEST) stands against any other
// record whatever their times: nothing leads out of opened, and a VARSLET,
// a print or a closing dated after it does not make the letter unread; of
// two dated readings the earlier stands (the letter is opened since). A
// record without a time (null, or a placeholder) is not earlier than a
// dated one, only undated: the two weigh as at one time (an undated LEST
// beside a dated VARSLET is a reading, not lost to the notice); of two
// readings the dated one stands, which dates the reading.
func laterRecord(prev, o channel.Observation) bool {
	read, oRead := prev.State == model.StateOpened, o.State == model.StateOpened
	if read != oRead {
		return read
	}
	if read && prev.ChangedAt.IsZero() != o.ChangedAt.IsZero() {
		return !prev.ChangedAt.IsZero() // a dated reading dates it, not the poll
	}
	if prev.ChangedAt.IsZero() || o.ChangedAt.IsZero() || prev.ChangedAt.Equal(o.ChangedAt) {
		return weightAtOneTime(prev) > weightAtOneTime(o)
	}
	if prev.State == model.StateOpened {
		return prev.ChangedAt.Before(o.ChangedAt)
	}
	return prev.ChangedAt.After(o.ChangedAt)
}

// weightAtOneTime orders two records for one letter at one time: a
// reading (LEST) first, then a status that ends the escalation (SENDT_PRINT,
// MANUELT_HANDTERT: the channel prints, or someone stopped its print),
// then the later record of the answer. Taken after them, a VARSLET would undo the
// reading, or have postvakt remind and print a letter the channel prints.
func weightAtOneTime(o channel.Observation) int {
	switch {
	case o.State == model.StateOpened:
		return 2
	case o.Disposition != channel.DispositionNone:
		return 1
	}
	return 0
}

// readRecord decodes one status record and returns it with its evidence
// (statusRecordEvidence). A record of status facts alone, as SvarUt sends
// them, is read once and is its own evidence; any other field, a value of
// the wrong type or a time that is an object or an array sends it the long
// way: decoded again, and its evidence reduced to the status facts. Either
// way the person ids in the evidence are masked, as in a history: a status
// or a time that is none is free text.
func readRecord(r json.RawMessage) (record, json.RawMessage, error) {
	var rec record
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.DisallowUnknownFields()
	if dec.Decode(&rec) == nil && ended(dec) && bytes.HasPrefix(bytes.TrimSpace(r), []byte("{")) && scalar(rec.SisteStatusEndring) {
		return rec, model.MaskPersonIDsIn(r), nil
	}
	rec = record{}
	err := json.Unmarshal(r, &rec)
	return rec, statusRecordEvidence(r), err
}

// ended: nothing but white space follows what dec decoded (Decoder.More
// says no more for a stray "}" too).
func ended(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// scalar: raw is absent or no object or array (a time, as SvarUt writes
// one, is a string or a number; anything nested in it is no status fact).
func scalar(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) == 0 || (b[0] != '{' && b[0] != '[')
}

// idOf digs the shipment id out of a status record that does not decode
// as a whole (a field of the wrong type): "id" (v2) or "forsendelsesId.id"
// (v1), when it is a UUID.
func idOf(r json.RawMessage) string {
	var loose struct {
		ID             json.RawMessage `json:"id"`
		ForsendelsesID json.RawMessage `json:"forsendelsesId"`
	}
	if json.Unmarshal(r, &loose) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(loose.ID, &id) != nil || !channel.ValidUUID(id) {
		var inner struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(loose.ForsendelsesID, &inner) != nil {
			return ""
		}
		id = inner.ID
	}
	if !channel.ValidUUID(id) {
		return ""
	}
	return id
}

// bad wraps an unreadable answer, keeping its first bytes.
func (c *Client) bad(op string, resp *httpclient.Response, err error) error {
	return channel.NewBadResponse("svarut", op, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body, resp.Received, err)
}

// statusRecordFacts are the parts of a status record kept as evidence:
// status facts, scalars (v1's forsendelsesId an object of its id alone).
// Whatever else a record carries (a title, the recipient), at its top or
// inside one of these, stays at SvarUt.
var statusRecordFacts = channel.Facts{"id": nil, "forsendelsesId": {"id": nil}, "status": nil, "sisteStatusEndring": nil}

// statusRecordEvidence reduces a status record to statusRecordFacts, each
// under the key the record gave it, matched as the record's decoding reads
// it (exactly, or equal under case folding: "Status"), so the evidence
// holds what the state was read from, and the same as a record of these
// facts alone keeps whole (readRecord). A record that is not a JSON object
// keeps only its fingerprint and those fields it can show.
func statusRecordEvidence(r []byte) json.RawMessage {
	if out, ok := statusRecordFacts.Keep(r); ok {
		return model.MaskPersonIDsIn(out)
	}
	return channel.Unreadable(r, "status", "sisteStatusEndring")
}
