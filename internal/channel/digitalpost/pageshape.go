package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/httpclient"
)

// minPageSize is the smallest page size asked for when the log refuses a
// larger one: halving stops there (or at Config.PageSize, when smaller).
const minPageSize = 50

// shape is how the log's pages are asked for beyond the query: their size,
// and whether the read's sortFields goes along.
type shape struct {
	size   int
	sorted bool
}

// shapes is the shape the log's pages are asked in, for the rest of the
// process. The notes document no maximum page size and give sortFields
// only as an example: a log that answers 400 to either is asked in a
// shape it takes (relax) rather than never read again.
type shapes struct {
	probing sync.Mutex // one read at a time finds what the log takes

	mu    sync.Mutex
	cur   shape
	taken bool // the log answered a page asked in cur: a 400 is not about it
}

// get returns the shape to ask in, and whether the log took it before.
func (s *shapes) get() (shape, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.taken
}

// take notes that the log answered a page asked in sh (when sh is still
// the shape asked in); set makes sh the shape, taken.
func (s *shapes) take(sh shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == sh {
		s.taken = true
	}
}

func (s *shapes) set(sh shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur, s.taken = sh, true
}

// badRequest: the log refused the request (400), whatever its body says
// (problem details, text, nothing).
func badRequest(err error) bool {
	var se *httpclient.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusBadRequest
}

// took: the log took the request, though its answer may have been too
// large to read.
func took(err error) bool { return err == nil || errors.Is(err, httpclient.ErrBodyTooLarge) }

// page asks the log for page at of q in sh (sortBy, the read's sortFields,
// only when sh is sorted).
func (c *Client) page(ctx context.Context, op string, q url.Values, sortBy string, at int, sh shape) (*httpclient.Response, error) {
	if sh.sorted {
		q.Set("sortFields", sortBy)
	} else {
		q.Del("sortFields")
	}
	q.Set("size", strconv.Itoa(sh.size))
	q.Set("page", strconv.Itoa(at))
	resp, err := c.http.Do(ctx, httpclient.Request{Op: op, Method: http.MethodGet, Path: "/events/?" + q.Encode(),
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetBasicAuth(c.cfg.SystemID, c.cfg.APIToken)
			r.SetHeader("Accept", "application/json")
			return nil
		}})
	return resp, c.refusedCaller(err)
}

// refusedCaller names the settings behind the log's refusal of the caller,
// its declared answers besides 200 (the notes): a 401 refuses the Basic
// header, a 403 the certificate or the sender system; and a certificate
// refused in the TLS handshake. Either refuses every
// read until the settings change, and "HTTP 401" alone named none. A
// certificate that has ended is said to have ended, and when. err stays
// what it wraps (a StatusError); any other err is returned as is.
func (c *Client) refusedCaller(err error) error {
	if _, alert, ok := strings.Cut(fmt.Sprint(err), "remote error: tls: "); ok && errors.Is(err, httpclient.ErrNetwork) &&
		(strings.Contains(alert, "certificate") || strings.HasPrefix(alert, "access denied")) {
		// A service that checks the caller's certificate in the handshake
		// refuses it with an alert (unknown certificate authority, bad
		// or expired certificate): about postvakt's certificate, not its
		// trust in the server's. (The client keeps a network failure as
		// its message.)
		if ended, ok := c.certEnded(); ok {
			return fmt.Errorf("%w (Digital Post refused the certificate in the TLS handshake: %s)", err, ended)
		}
		return fmt.Errorf("%w (Digital Post refused the certificate in the TLS handshake: is POSTVAKT_DIGITALPOST_CERT_FILE this environment's OCES3 certificate, test or production, and still valid?)", err)
	}
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return err
	}
	switch se.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w (the event log refused the sender system's id and API token: check POSTVAKT_DIGITALPOST_SYSTEM_ID and POSTVAKT_DIGITALPOST_API_TOKEN, a token renewed or revoked in Administrativ Adgang)", err)
	case http.StatusForbidden:
		if ended, ok := c.certEnded(); ok {
			return fmt.Errorf("%w (the event log refused the caller: %s)", err, ended)
		}
		return fmt.Errorf("%w (the event log refused the caller: is the OCES3 certificate of POSTVAKT_DIGITALPOST_CERT_FILE registered on the sender system POSTVAKT_DIGITALPOST_SYSTEM_ID, and the system allowed the log?)", err)
	}
	return err
}

// certEnded says, when the certificate presented now has ended, that it
// has and when, and what to do.
func (c *Client) certEnded() (string, bool) {
	if c.cert == nil {
		return "", false
	}
	end := c.cert.notAfter()
	if end.After(time.Now()) {
		return "", false
	}
	return fmt.Sprintf("the OCES3 certificate of %s ended %s; renew it in MitID Erhverv, register it on the sender system and put it in place of the files, no restart needed",
		certVar, end.UTC().Format(time.RFC3339)), true
}

// relax answers the first page of a read that the log refused (400, first)
// when asked in refused, a shape it never took. The page is asked again in
// the loosest shape, without sortFields at the floor size: refused too, the
// 400 is about something else (a date form, a filter) or the floor is too
// large, and the call fails with the first answer (two requests, nothing
// kept). Taken, the log is asked whether sortFields goes at the floor, then
// for the largest size it takes, halving from the one refused (at most a
// handful of requests, once a process). The shape found is kept for the
// process and told once in a warning (sizes and sortFields, never the
// query: a lookup's names a letter); the answer (or the error of a request
// that failed otherwise) is the first page in that shape.
func (c *Client) relax(ctx context.Context, op string, q url.Values, sortBy string, refused shape, first error) (shape, *httpclient.Response, error) {
	c.shape.probing.Lock()
	defer c.shape.probing.Unlock()
	if cur, taken := c.shape.get(); cur != refused || taken {
		// Another read found what the log takes meanwhile: asked in it.
		resp, err := c.page(ctx, op, q, sortBy, 0, cur)
		return cur, resp, err
	}
	loose := shape{size: min(minPageSize, refused.size)}
	if loose == refused {
		return refused, nil, first // nothing left to leave out
	}
	resp, err := c.page(ctx, op, q, sortBy, 0, loose)
	if !took(err) {
		if badRequest(err) {
			err = first // not about the size or the order: the first answer says why
		}
		return refused, nil, err
	}
	found, fresp, ferr := loose, resp, err
	if refused.sorted {
		sorted := shape{size: loose.size, sorted: true}
		resp, err := c.page(ctx, op, q, sortBy, 0, sorted)
		switch {
		case took(err):
			found, fresp, ferr = sorted, resp, err
		case !badRequest(err):
			return refused, nil, err
		}
	}
	// The size refused, again, when only sortFields may have been the
	// cause; else half of it, and halving on down to the floor.
	size := refused.size / 2
	if refused.sorted && !found.sorted {
		size = refused.size
	}
	for ; size > loose.size; size /= 2 {
		sh := shape{size: size, sorted: found.sorted}
		resp, err := c.page(ctx, op, q, sortBy, 0, sh)
		if took(err) {
			found, fresp, ferr = sh, resp, err
			break
		}
		if !badRequest(err) {
			return refused, nil, err
		}
	}
	c.shape.set(found)
	c.log.Warn("the event log refused the page size or the order asked (HTTP 400); its pages are asked as it took them from now on",
		"op", op, "refused_size", refused.size, "size", found.size, "sort_refused", refused.sorted && !found.sorted, "error", first)
	return found, fresp, ferr
}
