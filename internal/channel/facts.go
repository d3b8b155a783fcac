package channel

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Facts names the parts of a channel's answer that are status facts, the
// evidence kept of it: a key named with nil keeps its value when that is a
// scalar (a string, a number, true, false, null); a key named with Facts
// of its own keeps an object reduced to those, or an array of such
// objects (an element that is not an object becomes null, so the array
// keeps its length). A key matches as encoding/json matches a field:
// exactly, or equal under case folding; it is kept under the name as sent.
// Anything else an answer carries — a title, a text, an address — is left
// out however deep it is nested, so the evidence holds what the state was
// read from and no letter content.
type Facts map[string]Facts

// Keep reduces raw, a JSON object, to f; ok is false when raw is not one.
func (f Facts) Keep(raw []byte) (kept json.RawMessage, ok bool) {
	return f.keep(raw, '{')
}

// KeepEach reduces raw, a JSON array of objects (a history), to an array of
// them each reduced to f (an element that is no object becomes null); ok
// is false when raw is no array.
func (f Facts) KeepEach(raw []byte) (kept json.RawMessage, ok bool) {
	return f.keep(raw, '[')
}

func (f Facts) keep(raw []byte, open byte) (json.RawMessage, bool) {
	if b := bytes.TrimSpace(raw); f == nil || len(b) == 0 || b[0] != open {
		return nil, false
	}
	return f.value(raw)
}

// value reduces one value to f (see Facts); ok is false for one not kept.
func (f Facts) value(raw []byte) (json.RawMessage, bool) {
	b := bytes.TrimSpace(raw)
	switch {
	case len(b) == 0:
		return nil, false
	case b[0] == '{' && f != nil:
		var all map[string]json.RawMessage
		if json.Unmarshal(b, &all) != nil {
			return nil, false
		}
		kept := make(map[string]json.RawMessage, len(f))
		for k, v := range all {
			if sub, named := f.lookup(k); named {
				if r, ok := sub.value(v); ok {
					kept[k] = r
				}
			}
		}
		out, err := json.Marshal(kept)
		return out, err == nil
	case b[0] == '[' && f != nil:
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			return nil, false
		}
		out := make([]json.RawMessage, len(items))
		for i, it := range items {
			out[i] = json.RawMessage("null")
			if it = bytes.TrimSpace(it); len(it) > 0 && it[0] == '{' {
				if r, ok := f.value(it); ok {
					out[i] = r
				}
			}
		}
		res, err := json.Marshal(out)
		return res, err == nil
	case b[0] == '{' || b[0] == '[' || !json.Valid(b):
		return nil, false
	}
	return append(json.RawMessage(nil), b...), true
}

// lookup finds the facts named by key: exactly, else under case folding.
func (f Facts) lookup(key string) (Facts, bool) {
	if sub, ok := f[key]; ok {
		return sub, true
	}
	for name, sub := range f {
		if strings.EqualFold(name, key) {
			return sub, true
		}
	}
	return nil, false
}

// Holds reports whether ev, evidence kept of an answer, holds f's facts
// alone (Keep, or KeepEach of an array, keeps all of it), or is the
// fingerprint of an answer that could not be read (Unreadable): what a
// check of the evidence store asks.
func (f Facts) Holds(ev []byte) bool {
	if b := bytes.TrimSpace(ev); len(b) > 0 && b[0] == '[' {
		kept, ok := f.KeepEach(ev)
		return ok && sameJSON(kept, ev)
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(ev, &doc) != nil {
		return false
	}
	if _, fingerprint := doc["unreadable"]; fingerprint {
		return true
	}
	kept, ok := f.Keep(ev)
	return ok && sameJSON(kept, ev)
}

// sameJSON reports whether a and b are the same JSON value (numbers
// compared as written).
func sameJSON(a, b []byte) bool {
	decode := func(b []byte) (any, bool) {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		return v, d.Decode(&v) == nil
	}
	x, okx := decode(a)
	y, oky := decode(b)
	return okx && oky && reflect.DeepEqual(x, y)
}
