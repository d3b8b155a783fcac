package register_test

// A fake of the CVR's system-to-system search (POST
// /cvr-permanent/virksomhed/_search, an Elasticsearch index: a terms query
// on Vrvirksomhed.cvrNummer, hits with their _source), answering with hits a
// real index may hold beside the expected ones: a company whose name is
// not a string, a hit that names no number. The names job runs against it.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/register"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// cvrFake answers a search with the hits of the numbers asked (hits, by
// number: the whole hit as JSON) and, when more than one number is asked,
// the extra hits too. It records each search's numbers.
type cvrFake struct {
	mu       sync.Mutex
	hits     map[string]string
	extra    []string
	searches [][]string
}

func newCVRFake(t *testing.T, hits map[string]string, extra ...string) (*cvrFake, *register.CVR) {
	f := &cvrFake{hits: hits, extra: extra}
	srv := httpfake.New(t, nil)
	srv.Handle("POST /cvr-permanent/virksomhed/_search", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "cvr-user" || p != "cvr-password" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var q struct {
			Query struct {
				Terms struct {
					Numbers []int64 `json:"Vrvirksomhed.cvrNummer"`
				} `json:"terms"`
			} `json:"query"`
			Size int `json:"size"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.Size < len(q.Query.Terms.Numbers) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var asked, hits []string
		for _, n := range q.Query.Terms.Numbers {
			nr := fmt.Sprintf("%08d", n)
			asked = append(asked, nr)
			if h, ok := f.hits[nr]; ok {
				hits = append(hits, h)
			}
		}
		if len(asked) > 1 {
			hits = append(hits, f.extra...)
		}
		f.mu.Lock()
		f.searches = append(f.searches, asked)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"took":3,"timed_out":false,"_shards":{"total":6,"successful":6,"skipped":0,"failed":0},
			"hits":{"total":%d,"max_score":1.0,"hits":[%s]}}`, len(hits), strings.Join(hits, ","))
	})
	hc, err := httpclient.New(httpclient.Options{Name: "cvr", BaseURL: srv.URL + "/cvr-permanent",
		Logger: slog.New(slog.DiscardHandler), BackoffBase: time.Millisecond, BreakerThreshold: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return f, &register.CVR{HTTP: hc, User: "cvr-user", Password: "cvr-password"}
}

// cvrHit is a hit of a company with a name.
func cvrHit(nr, name string) string {
	return fmt.Sprintf(`{"_index":"cvr-v-20220630","_type":"_doc","_id":"40%s","_score":1.0,"_source":{"Vrvirksomhed":{"cvrNummer":%s,
		"virksomhedMetadata":{"nyesteNavn":{"navn":%q,"periode":{"gyldigFra":"2015-01-01","gyldigTil":null}},"sammensatStatus":"Aktiv"}}}}`,
		nr, strings.TrimLeft(nr, "0"), name)
}

// TestNotesFakeCVRBadHit: a search answer is read hit by hit. A hit of an
// asked number that is not the expected JSON (its name a number) is that
// number's failed lookup, with its own backoff; the others' answers are
// cached from the one search. A hit that names no number leaves the
// numbers no other hit answered unsettled (it may be theirs): they are
// asked alone, the others' answers stand.
func TestNotesFakeCVRBadHit(t *testing.T) {
	const nørrebro, østerbro, maling, unknown = "31201004", "29811008", "12341008", "26661005"
	for _, c := range []struct {
		name     string
		hits     map[string]string
		extra    []string
		asked    []string
		named    map[string]string // number → name cached
		notFound []string          // cached as not in the CVR
		failed   []string          // failed: asked again after their backoff
		searches string
	}{
		{"a name that is not a string",
			map[string]string{nørrebro: cvrHit(nørrebro, "Nørrebro Tømrer ApS"),
				østerbro: `{"_source":{"Vrvirksomhed":{"cvrNummer":29811008,"virksomhedMetadata":{"nyesteNavn":{"navn":29811008}}}}}`},
			nil, []string{nørrebro, østerbro, unknown},
			map[string]string{nørrebro: "Nørrebro Tømrer ApS"}, []string{unknown}, []string{østerbro},
			"[[26661005 29811008 31201004]]"},
		{"a hit that names no number",
			map[string]string{nørrebro: cvrHit(nørrebro, "Nørrebro Tømrer ApS"), maling: cvrHit(maling, "Frederiksberg Maling ApS")},
			[]string{`{"_source":{"Vrvirksomhed":{"cvrNummer":null,"virksomhedMetadata":{}}}}`},
			[]string{nørrebro, maling, unknown},
			map[string]string{nørrebro: "Nørrebro Tømrer ApS", maling: "Frederiksberg Maling ApS"}, []string{unknown}, nil,
			"[[12341008 26661005 31201004] [26661005]]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			var items []model.NewShipment
			for i, nr := range c.asked {
				l := storetest.Letter(i)
				l.RecipientID = nr
				items = append(items, l)
			}
			storetest.Register(t, st, items...)
			f, cvr := newCVRFake(t, c.hits, c.extra...)
			now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
			n := &register.Namer{Store: st, Denmark: cvr, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
			sum, err := n.RunOnce(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			for nr, name := range c.named {
				if e, err := st.RegisterEntry(ctx, nr); err != nil || e.Kind != store.RegisterCVR || e.Status != 200 || e.Name != name {
					t.Errorf("%s cached as %+v %v, want %q", nr, e, err, name)
				}
			}
			for _, nr := range c.notFound {
				if e, err := st.RegisterEntry(ctx, nr); err != nil || e.Status != 404 {
					t.Errorf("%s cached as %+v %v, want not in the CVR (404)", nr, e, err)
				}
			}
			var failed []string
			if err := st.DB().Select(&failed, `SELECT orgnr FROM register_retries ORDER BY orgnr`); err != nil {
				t.Fatal(err)
			}
			if slices.Compare(failed, c.failed) != 0 || sum.Failed != len(c.failed) {
				t.Errorf("failed %v (summary %+v), want %v", failed, sum, c.failed)
			}
			for _, nr := range c.failed {
				if _, err := st.RegisterEntry(ctx, nr); err == nil {
					t.Errorf("%s cached, want nothing cached for a hit that could not be read", nr)
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, s := range f.searches {
				slices.Sort(s)
			}
			if got := fmt.Sprint(f.searches); got != c.searches {
				t.Errorf("searches %s, want %s", got, c.searches)
			}
		})
	}
}
