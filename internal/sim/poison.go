package sim

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Poison makes single shipments answer the way real channels sometimes do
// for one letter, while the others answer normally: the scenario names how
// many shipments of each channel get each kind; which ones is drawn from
// the seed. A poisoned shipment keeps its poison for good.
//
// SvarUt kinds:
//
//	fails_forever   status-sok answers 500 whenever the id is in the batch (v1 /statuser too)
//	truncated       status-sok answers truncated JSON whenever the id is in the batch
//	epoch_seconds   sisteStatusEndring is epoch seconds (a number) instead of a date-time
//	future          sisteStatusEndring lies in 2090
//	before_sent     sisteStatusEndring lies in 2001, long before the letter was sent
//	unknown_status  the status is a value SvarUt does not have ("FORSVUNNET")
//	nul             the event history (hendelser) holds a NUL character (\u0000)
//	invalid_utf8    the event history holds bytes that are not UTF-8
//	deleted         SLETTET (deleted for retention) a day after the start, long after the last real status
//	never_sent      the sender system registered it, SvarUt never heard of it
//
// Altinn kinds:
//
//	forbidden           details answer 401 with code 4001 (the caller may not read it)
//	fails_forever       details answer 500, always
//	truncated           details answer JSON cut off after the status fields
//	epoch_seconds       statusChanged is epoch seconds (a number)
//	nul                 statusText holds a NUL character
//	invalid_utf8        statusText holds bytes that are not UTF-8
//	fetched_after_read  fetched again after it was read (the top-level status stays Read)
//	never_sent          never heard of: 404, and not listed by the search
type Poison map[string]map[string]int

// PoisonKinds lists the known kinds per channel.
var PoisonKinds = map[string][]string{
	"svarut": {poisonFailsForever, poisonTruncated, poisonEpochSeconds, poisonFuture, poisonBeforeSent, poisonUnknownStatus,
		poisonNUL, poisonInvalidUTF8, poisonDeleted, poisonNeverSent},
	"altinn": {poisonForbidden, poisonFailsForever, poisonTruncated, poisonEpochSeconds, poisonNUL, poisonInvalidUTF8,
		poisonFetchedAfterRead, poisonNeverSent},
}

// Poison kinds.
const (
	poisonFailsForever     = "fails_forever"
	poisonTruncated        = "truncated"
	poisonEpochSeconds     = "epoch_seconds"
	poisonFuture           = "future"
	poisonBeforeSent       = "before_sent"
	poisonUnknownStatus    = "unknown_status"
	poisonNUL              = "nul"
	poisonInvalidUTF8      = "invalid_utf8"
	poisonDeleted          = "deleted"
	poisonNeverSent        = "never_sent"
	poisonForbidden        = "forbidden"
	poisonFetchedAfterRead = "fetched_after_read"
)

// PoisonReadable reports whether a shipment with this poison still gets a
// readable answer about its status (odd bytes in a text, SLETTET, a fetch
// after reading, a status dated before the letter was sent: taken at its
// sent time): postvakt should end in its true state. Every other kind
// makes the letter's answer unusable (or the letter unknown).
func PoisonReadable(kind string) bool {
	switch kind {
	case "", poisonNUL, poisonInvalidUTF8, poisonDeleted, poisonFetchedAfterRead, poisonBeforeSent:
		return true
	}
	return false
}

func (p Poison) validate(bad func(string, ...any)) {
	for ch, kinds := range p {
		known, ok := PoisonKinds[ch]
		if !ok {
			bad("poison: unknown channel %q (svarut, altinn)", ch)
			continue
		}
		for k, n := range kinds {
			if !contains(known, k) {
				bad("poison.%s: unknown kind %q (%s)", ch, k, strings.Join(known, ", "))
			}
			if n < 0 {
				bad("poison.%s.%s must be >= 0", ch, k)
			}
		}
	}
}

// poison assigns the scenario's poisons to shipments, from its own random
// stream (so a scenario without poison is generated exactly as before).
// Kinds that need a particular timeline pick among the shipments that have
// it: deleted one that became available, fetched_after_read one that was
// read. It fails when a channel has too few shipments.
func (w *world) poison(sc *Scenario, seed int64) error {
	r := derivedRand(seed, "poison")
	for _, ch := range []string{"svarut", "altinn"} {
		kinds := sc.Poison[ch]
		names := make([]string, 0, len(kinds))
		for k := range kinds {
			names = append(names, k)
		}
		sort.Strings(names)
		var pool []*shipment
		for _, sh := range w.shipments {
			if sh.channel == ch {
				pool = append(pool, sh)
			}
		}
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		for _, k := range names {
			for n := 0; n < kinds[k]; n++ {
				sh := pick(pool, func(sh *shipment) bool { return sh.poison == "" && fits(k, sh, w.start) })
				if sh == nil {
					return fmt.Errorf("poison.%s.%s: not enough %s shipments that fit", ch, k, ch)
				}
				sh.poison = k
				switch k {
				case poisonDeleted:
					// A day into the simulation, after its whole real history.
					sh.events = append(sh.events, event{at: w.start.Add(24 * time.Hour), status: svSlettet, text: "Slettet: filer og metadata er slettet etter arkivfristen"})
				case poisonFetchedAfterRead:
					last := sh.events[len(sh.events)-1]
					sh.events = append(sh.events, event{at: last.at.Add(2 * time.Hour), status: alFetched, text: "Correspondence fetched by recipient"})
				}
			}
		}
	}
	w.altinnListed = w.altinnListed[:0]
	for _, sh := range w.altinn {
		if sh.poison != poisonNeverSent {
			w.altinnListed = append(w.altinnListed, sh)
		}
	}
	return nil
}

func pick(pool []*shipment, ok func(*shipment) bool) *shipment {
	for _, sh := range pool {
		if ok(sh) {
			return sh
		}
	}
	return nil
}

// fits reports whether a shipment's timeline suits a poison kind.
func fits(kind string, sh *shipment, start time.Time) bool {
	has := func(status string) bool {
		for _, e := range sh.events {
			if e.status == status {
				return true
			}
		}
		return false
	}
	last := sh.events[len(sh.events)-1].at
	switch kind {
	case poisonDeleted: // unread (or printed) with all its real history before the start, so it is seen before it is deleted
		switch sh.events[len(sh.events)-1].status {
		case svVarslet, svLevertSDP, svPrintet:
			return !last.After(start)
		}
		return false
	case poisonFetchedAfterRead:
		return has(alRead)
	case poisonNUL, poisonInvalidUTF8:
		return len(sh.events) > 2 // a status change to carry the odd bytes
	}
	return true
}

// Marks put into JSON text and swapped for raw bytes after encoding:
// encoding/json would write invalid UTF-8 as U+FFFD.
const (
	invalidUTF8Mark = "\u2063INVALID-UTF8\u2063"
	invalidUTF8     = "\xe6\xf8\xe5 \xff" // Latin-1 æøå, then a byte no encoding has
)

// withRawBytes swaps the invalid-UTF-8 mark in an encoded answer for the
// raw bytes.
func withRawBytes(body []byte) []byte {
	return bytes.ReplaceAll(body, []byte(invalidUTF8Mark), []byte(invalidUTF8))
}

// poisonedText returns an event text carrying the shipment's odd bytes.
func poisonedText(sh *shipment, text string) string {
	switch sh.poison {
	case poisonNUL:
		return text + " \x00(NUL)"
	case poisonInvalidUTF8:
		return text + " " + invalidUTF8Mark
	}
	return text
}
