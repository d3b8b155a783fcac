package svarut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// v1Base is the legacy REST API's root below Config.BaseURL.
const v1Base = "/tjenester/api/forsendelse/v1"

// statusSok asks the status search for one batch. v2: POST
// /v2/kontoer/{kontoId}/forsendelser/status-sok {"forsendelseIds":[…]};
// v3: POST /v3/kontoer/{kontoId}/forsendelser/status/sok {"id":[…]}. Both
// answer {"statuser":[{"id","sisteStatusEndring","status"}]}.
func (c *Client) statusSok(ctx context.Context, ids []string, found map[string]channel.Observation) error {
	konto := url.PathEscape(c.cfg.KontoID)
	path, body := "/v2/kontoer/"+konto+"/forsendelser/status-sok", any(struct {
		ForsendelseIDs []string `json:"forsendelseIds"`
	}{ids})
	if c.cfg.API == APIv3 {
		path, body = "/v3/kontoer/"+konto+"/forsendelser/status/sok", struct {
			ID []string `json:"id"`
		}{ids}
	}
	resp, err := c.http.Do(ctx, httpclient.Request{
		Op:     "status",
		Method: http.MethodPost,
		Path:   path,
	}.With(c.prepareV2(body)))
	if err != nil {
		return fmt.Errorf("svarut %s status of %d shipments: %w", c.cfg.API, len(ids), err)
	}
	raw, err := statuser(resp)
	if err != nil {
		return c.bad("status", resp, err)
	}
	c.collect("status", raw, found)
	return nil
}

// statusV1 asks POST {v1}/statuser for one batch: a JSON array of ids →
// {"statuser":[{"forsendelsesId":{"id"},"sisteStatusEndring":epoch-ms,"status"}]}
// (a bare array is accepted too).
func (c *Client) statusV1(ctx context.Context, ids []string, found map[string]channel.Observation) error {
	resp, err := c.http.Do(ctx, httpclient.Request{
		Op:      "status",
		Method:  http.MethodPost,
		Path:    v1Base + "/statuser",
		Prepare: c.prepareV1(ids),
	})
	var se *httpclient.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && svarutsOwn(se.Body) {
		// SvarUt answers 404 when it knows none of the ids (KS's own
		// client reads it as "no statuses"): each id is unknown to the
		// channel, which is not a failure of the call. A page that is not
		// SvarUt's (a proxy's HTML or text) says nothing of the letters.
		c.log.Info("svarut v1: none of the ids asked is known to SvarUt", "ids", len(ids))
		return nil
	}
	if err != nil {
		return fmt.Errorf("svarut v1 status of %d shipments: %w", len(ids), err)
	}
	raw, err := statuser(resp)
	if err != nil {
		return c.bad("status", resp, err)
	}
	c.collect("status", raw, found)
	return nil
}

// svarutsOwn says whether an error answer's body can be SvarUt's own: empty,
// or JSON (its error object).
func svarutsOwn(body []byte) bool {
	return len(bytes.TrimSpace(body)) == 0 || channel.LooksLikeJSON(body)
}

// statuser returns the status records of an answer: the "statuser" array
// of an object, or a bare array.
func statuser(resp *httpclient.Response) ([]json.RawMessage, error) {
	if channel.LooksLikeHTML(resp.Header.Get("Content-Type"), resp.Body) {
		return nil, errors.New("not JSON")
	}
	// A bare array only when the answer is one: "null" decodes into a
	// slice without error, as no records, and would make every letter
	// asked unknown to SvarUt.
	var arr []json.RawMessage
	if b := bytes.TrimSpace(resp.Body); len(b) > 0 && b[0] == '[' && json.Unmarshal(b, &arr) == nil {
		return arr, nil
	}
	var env struct {
		Statuser *[]json.RawMessage `json:"statuser"`
	}
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return nil, err
	}
	if env.Statuser == nil {
		return nil, errors.New(`no "statuser" in the answer`)
	}
	return *env.Statuser, nil
}

// prepareV2 sets the v2 (and v3) credentials (Maskinporten bearer, IntegrasjonId,
// IntegrasjonPassord) and, if body is not nil, a JSON body; with it comes
// what renews the token should SvarUt refuse it (Request.Unauthorized).
func (c *Client) prepareV2(body any) (func(context.Context, *resty.Request) error, func(*httpclient.Response) bool) {
	if c.tokens == nil {
		return c.v2Headers(body), nil
	}
	bearer := httpclient.NewBearer(c.tokens)
	headers := c.v2Headers(body)
	return func(ctx context.Context, r *resty.Request) error {
		if err := bearer.Set(ctx, r); err != nil {
			return fmt.Errorf("getting a Maskinporten token: %w", err)
		}
		return headers(ctx, r)
	}, bearer.Unauthorized
}

// v2Headers sets the integration's credentials and the body.
func (c *Client) v2Headers(body any) func(context.Context, *resty.Request) error {
	return func(_ context.Context, r *resty.Request) error {
		r.SetHeader("IntegrasjonId", c.cfg.IntegrasjonID)
		r.SetHeader("IntegrasjonPassord", c.cfg.IntegrasjonPassord)
		r.SetHeader("Accept", "application/json")
		if body != nil {
			r.SetHeader("Content-Type", "application/json")
			r.SetBody(body)
		}
		return nil
	}
}

// prepareV1 sets HTTP Basic credentials and, if body is not nil, a JSON body.
func (c *Client) prepareV1(body any) func(context.Context, *resty.Request) error {
	return func(_ context.Context, r *resty.Request) error {
		r.SetBasicAuth(c.cfg.User, c.cfg.Password)
		r.SetHeader("Accept", "application/json")
		if body != nil {
			r.SetHeader("Content-Type", "application/json")
			r.SetBody(body)
		}
		return nil
	}
}
