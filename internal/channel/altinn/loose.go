package altinn

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The details fields the status is not read from are read loosely: one of
// another type than the service writes (a proxy's or a later version's
// rewrite) spoils that field alone, never the answer, whose status says
// whether the letter was read.

// looseString reads a JSON string, or a number as its digits ("sender":
// 991825827); anything else reads as empty.
type looseString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var v string
	switch {
	case json.Unmarshal(b, &v) == nil:
		*s = looseString(v)
	case len(b) > 0 && (b[0] == '-' || '0' <= b[0] && b[0] <= '9'):
		*s = looseString(b)
	case string(b) != "null":
		*s = ""
	}
	return nil
}

// looseConfidential reads isConfidential: true or false, as a JSON boolean
// or a string in any case; null leaves it as it was (absent: not
// confidential, as the older OpenAPI document, which lacks the field,
// means). Anything else (a number, an object) counts as confidential: a
// letter is never taken as less confidential than its answer may say.
type looseConfidential bool

// UnmarshalJSON implements json.Unmarshaler.
func (c *looseConfidential) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		b = []byte(strings.ToLower(strings.TrimSpace(s)))
	}
	*c = string(b) != "false"
	return nil
}

// looseContent reads content's messageTitle when content is an object
// with a string title; anything else reads as no title.
type looseContent struct {
	MessageTitle string
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *looseContent) UnmarshalJSON(b []byte) error {
	var v struct {
		MessageTitle json.RawMessage `json:"messageTitle"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	_ = json.Unmarshal(v.MessageTitle, &c.MessageTitle)
	return nil
}
