package channel

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// Unreadable is the evidence kept for an answer that could not be parsed
// and may carry letter content (an Altinn details answer holds the title,
// the text and the recipient's national identity number): never the body,
// only its SHA-256, its length and the given top-level fields that could
// still be read from it (see ScanFields). The hash lets anyone holding the
// channel's copy prove what was received.
func Unreadable(body []byte, fields ...string) json.RawMessage {
	return UnreadableAnswer(body, nil, fields...)
}

// UnreadableAnswer is Unreadable of a whole answer that httpclient may have
// decoded from another character set (received non-nil): its length and
// SHA-256 are then those of the bytes as received, and its charset is
// named, so that the hash proves what the channel sent; the fields are
// read from the decoded body.
func UnreadableAnswer(body []byte, received *httpclient.Received, fields ...string) json.RawMessage {
	sum := sha256.Sum256(body)
	doc := struct {
		Unreadable bool                       `json:"unreadable"`
		Bytes      int                        `json:"bytes"`
		SHA256     string                     `json:"sha256"`
		Charset    string                     `json:"charset,omitempty"`
		Fields     map[string]json.RawMessage `json:"fields,omitempty"`
	}{true, len(body), hex.EncodeToString(sum[:]), "", ScanFields(body, fields...)}
	if received != nil {
		doc.Bytes, doc.SHA256, doc.Charset = received.Bytes, received.SHA256, received.Charset
	}
	out, err := json.Marshal(doc)
	if err != nil { // the fields are valid JSON scalars; cannot happen
		out, _ = json.Marshal(map[string]any{"unreadable": true, "bytes": doc.Bytes, "sha256": doc.SHA256, "charset": doc.Charset})
	}
	return out
}

// ScanFields reads the top-level object of a possibly truncated or
// otherwise broken JSON answer from its start, and returns the scalar
// values (strings, numbers, booleans) of the given keys it met before the
// answer stopped making sense. Values of other kinds are not kept. A
// national id in a value is masked as a time postvakt cannot read is
// (model.MaskTime: epoch seconds that can be no id stay as sent); a number
// so masked becomes its masked string.
func ScanFields(body []byte, keys ...string) map[string]json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out map[string]json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		key, ok := t.(string)
		if !ok {
			break
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			break
		}
		if !slices.Contains(keys, key) || len(v) == 0 || v[0] == '{' || v[0] == '[' || string(v) == "null" {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		if m, ok := MaskScalar(v); ok {
			out[key] = m
		}
	}
	return out
}

// MaskScalar is a JSON scalar (a string or a number) with a national id
// in it masked as a time postvakt cannot read is (model.MaskTime: epoch
// seconds that can be no id stay as sent), as JSON: a number so masked
// becomes its masked string; one with nothing to mask is a copy. ok is
// false for a string that does not decode.
func MaskScalar(v json.RawMessage) (json.RawMessage, bool) {
	text := string(v)
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &text) != nil {
		return nil, false
	}
	if m := model.MaskTime(text); m != text {
		b, _ := json.Marshal(m)
		return b, true
	}
	return append(json.RawMessage(nil), v...), true
}
