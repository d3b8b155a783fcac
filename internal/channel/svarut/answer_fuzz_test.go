package svarut

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"postvakt/internal/channel/channeltest"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

// FuzzStatusAnswer: whatever SvarUt answers a status request with, over
// HTTP, the adapter gives one observation per letter asked, in order, each
// with a state, a status kept as it is, or its own error — or fails the
// call as a whole; never a panic. Each keeps the status facts alone as
// evidence, with no national id in its error.
func FuzzStatusAnswer(f *testing.F) {
	a, b := "d6b23522-ddf3-462a-8140-16e59e1f476d", "d6b23522-ddf3-462a-8140-16e59e1f476e"
	for _, seed := range []string{
		`{"statuser":[{"forsendelsesId":{"id":"` + a + `"},"sisteStatusEndring":1763373600000,"status":"LEST"}]}`,
		`{"statuser":[{"forsendelsesId":{"id":"` + a + `"},"sisteStatusEndring":"2026-11-17T10:00:00+0100","status":"AKSEPTERT"},` +
			`{"forsendelsesId":{"id":"` + b + `"},"sisteStatusEndring":{"t":"01029400470"},"status":"LEST","tittel":"Vedtak"}]}`,
		`[{"id":"` + a + `","status":"LEST","sisteStatusEndring":1029400470}]`, `{"statuser":null}`, `<html>`, `{"statuser":[1,"x",null]}`,
	} {
		f.Add([]byte(seed))
	}
	srv := httpfake.New(f, nil)
	serve := srv.AnswerAll()
	c := v1Client(f, srv.URL)
	f.Fuzz(func(t *testing.T, answer []byte) {
		serve(answer)
		ids := []string{a, b}
		obs, err := c.Status(context.Background(), ids)
		if err != nil {
			return
		}
		channeltest.CheckStatus(t, answer, ids, obs)
		for _, o := range obs {
			if o.Err != nil {
				for _, m := range digitRuns.FindAllStringSubmatch(o.Err.Error(), -1) {
					// A run QuoteTime would mask is an id; one it leaves
					// (epoch seconds, 0000000000) is none.
					if run := m[1]; model.QuoteTime(run) != strconv.Quote(run) {
						t.Fatalf("%q: %s's error holds a national id: %v", answer, o.ChannelID, o.Err)
					}
				}
			}
			if o.Payload != nil && !statusRecordFacts.Holds(o.Payload) {
				t.Fatalf("%q: %s's evidence %s holds more than the status facts", answer, o.ChannelID, o.Payload)
			}
		}
	})
}

// digitRuns are runs of ten or eleven digits no other digit touches.
var digitRuns = regexp.MustCompile(`(?:^|[^0-9])([0-9]{10,11})(?:[^0-9]|$)`)
