package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// A Phrase kept for later (a manual-handling case's detail,
// print_manual.why) is JSON: {"key":"manual.detail.closed","args":
// {"Orgnr":"974760673","Date":"2024-03-01"}}, its arguments an object of
// placeholder name and value in the order given, "args" left out when it
// has none. A value is a string, a number, a boolean or a phrase (an
// object of its own); a value of another type (a time, a Spoken value)
// cannot be kept, and encoding it fails. The cases recorded before the
// store kept this type were written in the same shape (arguments then
// all strings), so they read back as they were. A jsonb column keeps the
// arguments in its own order of keys: they are by name, so the text is
// the same.

// MarshalJSON encodes p as {"key":…,"args":{…}}.
func (p Phrase) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	key, _ := json.Marshal(p.Key) // a string always encodes
	b.WriteString(`{"key":`)
	b.Write(key)
	if len(p.Args) >= 2 {
		b.WriteString(`,"args":{`)
		for i := 0; i+1 < len(p.Args); i += 2 {
			name := fmt.Sprint(p.Args[i])
			var v any
			switch a := p.Args[i+1].(type) {
			case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, Phrase, nil:
				v = a
			default:
				return nil, fmt.Errorf("encode phrase %s: argument %s: a %T cannot be kept", p.Key, name, a)
			}
			enc, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("encode phrase %s: argument %s: %w", p.Key, name, err)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			nb, _ := json.Marshal(name) // a string always encodes
			b.Write(nb)
			b.WriteByte(':')
			b.Write(enc)
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes what MarshalJSON encodes: the arguments in the
// order written, a whole number as an int, another number as a float64, an
// object as a Phrase.
func (p *Phrase) UnmarshalJSON(data []byte) error {
	var raw struct {
		Key  string          `json:"key"`
		Args json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode phrase: %w", err)
	}
	*p = Phrase{Key: raw.Key}
	if len(raw.Args) == 0 || string(raw.Args) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Args))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("decode phrase %s: its args are not an object", raw.Key)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decode phrase %s: %w", raw.Key, err)
		}
		name, _ := t.(string) // an object's key is always a string
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("decode phrase %s: argument %s: %w", raw.Key, name, err)
		}
		a, err := phraseValue(v)
		if err != nil {
			return fmt.Errorf("decode phrase %s: argument %s: %w", raw.Key, name, err)
		}
		p.Args = append(p.Args, name, a)
	}
	return nil
}

// phraseValue is one argument's value decoded.
func phraseValue(v json.RawMessage) (any, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '{' {
		var q Phrase
		err := q.UnmarshalJSON(v)
		return q, err
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var a any
	if err := dec.Decode(&a); err != nil {
		return nil, err
	}
	switch a := a.(type) {
	case json.Number:
		if n, err := strconv.Atoi(a.String()); err == nil {
			return n, nil
		}
		return a.Float64()
	case string, bool, nil:
		return a, nil
	}
	return nil, fmt.Errorf("a %s cannot be a phrase's argument", v)
}
