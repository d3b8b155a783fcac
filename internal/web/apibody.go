package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"postvakt/internal/model"
)

// The one place the API reads and decodes request bodies: a body must be
// declared JSON (Content-Type application/json, charset utf-8 if any: 415
// otherwise), at most maxBody (413), text the decoder would not quietly
// alter (badText), and what the decoder refuses is told in the body's
// terms, the field and the JSON it needs, never Go's types (jsonProblem).

// readJSONBody reads an API request's body (readBody) once its
// Content-Type says JSON, or answers the request itself (415, 413, 400)
// and returns false.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if msg := notJSON(r.Header.Get("Content-Type")); msg != "" {
		writeError(w, http.StatusUnsupportedMediaType, msg)
		return nil, false
	}
	if ce := strings.TrimSpace(r.Header.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") {
		// A compressed body would be read as its compressed bytes ("invalid
		// character '\x1f'"), and a plain one so labelled taken as it is.
		writeError(w, http.StatusUnsupportedMediaType, "Content-Encoding "+strconv.QuoteToASCII(ce)+
			" is not taken: send the body uncompressed, without a Content-Encoding")
		return nil, false
	}
	body, ok := readBody(w, r)
	if ok && utf16Body(body) {
		writeError(w, http.StatusBadRequest, "the body is UTF-16: JSON is read as UTF-8 only; send it in UTF-8")
		return nil, false
	}
	return body, ok
}

// utf16Body says whether a request body is UTF-16: by its byte order mark,
// or without one (.NET's Encoding.Unicode, SQL Server) by a NUL byte in its
// first two, as RFC 4627 §3 tells them (a JSON text begins with ASCII, which
// UTF-16 writes beside a NUL, and UTF-8 JSON holds no NUL byte).
func utf16Body(body []byte) bool {
	if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
		return true
	}
	return len(body) >= 2 && (body[0] == 0 || body[1] == 0)
}

// notJSON says why a request body of this Content-Type is not read as
// JSON, or "" when it is: application/json in any case, with at most a
// charset of utf-8 (the only one JSON has, RFC 8259 §8.1). A body without
// a Content-Type is not read either: what it is would be a guess.
func notJSON(contentType string) string {
	const send = "send the body as Content-Type: application/json (charset=utf-8 may follow)"
	if strings.TrimSpace(contentType) == "" {
		return "the request has no Content-Type: " + send
	}
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || media != "application/json" {
		shown := contentType
		if len(shown) > 100 {
			shown = shown[:100] + "…"
		}
		return "Content-Type " + strconv.QuoteToASCII(shown) + " is not JSON: " + send
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return "charset " + strconv.QuoteToASCII(cs) + ": JSON is read as UTF-8 only; " + send + ", in UTF-8"
	}
	return ""
}

// readBody reads a request's body, or answers the request itself and
// returns false. A UTF-8 byte order mark before the JSON is dropped (RFC
// 8259 §8.1 lets a reader ignore it). A body over maxBody is answered 413, any other
// failure to read it 400.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d MiB", maxBody>>20))
		} else {
			writeError(w, http.StatusBadRequest, "read request body: "+err.Error())
		}
		return nil, false
	}
	return bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")), true
}

// badText finds text the JSON decoder would quietly turn into U+FFFD:
// bytes that are not UTF-8, and escaped surrogates that are not a pair
// (\ud800 alone). It returns the field (when it can tell; masked should
// it be shaped like a national id) and what is wrong, or an empty message.
func badText(raw json.RawMessage) (field, msg string) {
	bad := func(b []byte) string {
		switch {
		case !utf8.Valid(b):
			return "not valid UTF-8: send the JSON in UTF-8"
		case loneSurrogate(b):
			return `an escaped surrogate (\ud800-\udfff) that is not half of a pair: not a character`
		}
		return ""
	}
	if msg = bad(raw); msg == "" {
		return "", ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		for k, v := range m {
			if bad(v) != "" {
				field = string(model.MaskNationalIDsIn([]byte(k))) // named as an unknown field is (jsonProblem)
			}
		}
	}
	return field, msg
}

// keyProblem finds in raw (JSON decoded into a value of type t) what the
// decoder would take without a word: a key given twice in one object (the
// last would win: "channel_id" twice, a recipient's "id" once an
// organisation's and once a person's), and a key that names a field only
// in another case or by Unicode folding ("Title", "ſender_org": the
// decoder matches keys so; the API's fields are written one way). It
// returns the key's path (masked should it be shaped like a national id)
// and what is wrong, or an empty message; JSON it cannot read is left to
// the decoder to tell.
func keyProblem(raw []byte, t reflect.Type) (field, msg string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var walk func(t reflect.Type, path string) (string, string)
	walk = func(t reflect.Type, path string) (string, string) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		switch tok {
		case json.Delim('['):
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for dec.More() {
				if f, m := walk(elem, path); m != "" {
					return f, m
				}
			}
			_, _ = dec.Token()
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				key, ok := k.(string)
				if err != nil || !ok {
					return "", ""
				}
				name := string(model.MaskNationalIDsIn([]byte(strings.TrimPrefix(path+"."+key, "."))))
				if seen[key] {
					return name, "given twice: a field may stand once in an object (the decoder would keep the last without a word)"
				}
				seen[key] = true
				ft, exact, folded := jsonField(t, key)
				if folded && !exact {
					return name, "unknown field: the API's fields are written in lower case, as GET /api/v1/openapi.json lists them"
				}
				if !folded && path != "" && plainStruct(t) {
					// The decoder names a nested unknown field without
					// its path ("name" for recipient.name).
					return name, unknownFieldMsg
				}
				if f, m := walk(ft, strings.TrimPrefix(path+"."+key, ".")); m != "" {
					return f, m
				}
			}
			_, _ = dec.Token()
		}
		return "", ""
	}
	return walk(t, "")
}

// unknownFieldMsg is what is said of a field the API does not know.
const unknownFieldMsg = "unknown field: the API refuses fields it does not know, not to drop them without a word (GET /api/v1/openapi.json lists the fields)"

// plainStruct reports whether t is a struct the decoder fills field by
// field by their JSON names alone: none embedded (whose fields it
// promotes), no UnmarshalJSON of its own.
func plainStruct(t reflect.Type) bool {
	if t == nil || t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return false
	}
	for i := range t.NumField() {
		if t.Field(i).Anonymous {
			return false
		}
	}
	return true
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// jsonField finds the field of struct t that key names: exact says a
// field's JSON name is key, folded that one matches it as encoding/json
// matches keys (in any case, with Unicode folding); ft is that field's
// type (nil when none, or t is no struct).
func jsonField(t reflect.Type, key string) (ft reflect.Type, exact, folded bool) {
	if t == nil || t.Kind() != reflect.Struct {
		return nil, false, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		switch {
		case name == key:
			return f.Type, true, true
		case strings.EqualFold(name, key):
			ft, folded = f.Type, true
		}
	}
	return ft, false, folded
}

// escapeNULs reads a raw NUL byte in a string (malformed JSON) as the
// escape it stands for, so that it is refused (422) with its item and
// field like any other bad value. A NUL after a backslash that escapes it
// ("\<NUL>", no escape JSON has) is left: the body is malformed, and so
// refused (400), not read as the text "\u0000".
func escapeNULs(body []byte) []byte {
	if bytes.IndexByte(body, 0) < 0 {
		return body
	}
	out := make([]byte, 0, len(body)+16)
	slashes := 0
	for _, c := range body {
		if c == 0 && slashes%2 == 0 {
			out = append(out, `\u0000`...)
		} else {
			out = append(out, c)
		}
		if c == '\\' {
			slashes++
		} else {
			slashes = 0
		}
	}
	return out
}

// loneSurrogate reports whether b holds a \uXXXX escape of a surrogate
// that is not half of a high-low pair.
func loneSurrogate(b []byte) bool {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // an escape such as \\ or \": its second byte is not one to read
			continue
		}
		r, ok := hex4(i)
		if !ok {
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if low, ok := hex4(i + 6); ok && low >= 0xDC00 && low < 0xE000 {
				i += 11
				continue
			}
			return true
		case r >= 0xDC00 && r < 0xE000:
			return true
		}
		i += 5
	}
	return false
}

// decodeObject decodes an API request's JSON body, one object, into v (a
// pointer to a struct whose json tags name the fields): a field it does
// not know is refused (not dropped without a word), and so is anything
// after the object. It answers 415, 413 or 400 itself and then returns
// false; a 400 names the field and the JSON it needs (jsonProblem),
// followed by what the body must be (want: "one JSON object with ...").
func decodeObject(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	body, ok := readJSONBody(w, r)
	if !ok {
		return false
	}
	msg := ""
	if field, bad := badText(body); bad != "" {
		msg = strings.TrimPrefix(field+": ", ": ") + bad
	} else if field, bad := keyProblem(body, reflect.TypeOf(v)); bad != "" {
		msg = field + " " + bad
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err := dec.Decode(v)
		switch {
		case err != nil:
			p := jsonProblem(err, "one JSON object")
			msg = strings.TrimSpace(p.Field + " " + p.Message)
			if p.Field == "" {
				msg = "the body " + p.Message
			}
		case !atEnd(dec):
			msg = "the body has more after the object"
		}
	}
	if msg != "" {
		writeErrorCode(w, http.StatusBadRequest, codeBadBody, msg+"; the body must be "+want)
		return false
	}
	return true
}

// atEnd reports whether dec has nothing more to read but white space.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// jsonProblem says what is wrong with JSON the decoder refused, in the
// JSON's terms, not the decoder's (Go's struct and type names): the field
// (its path from the top, "recipient.kind"; "" for the value as a whole)
// and what is wrong with it, the JSON it needs. whole is what the value
// as a whole must be ("a shipment object"). An unknown field is named,
// masked should it be shaped like a national id.
func jsonProblem(err error, whole string) model.FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return model.FieldError{Message: "must be " + whole + ", not " + jsonKind(te.Value)}
		}
		return model.FieldError{Field: te.Field, Message: "must be " + jsonWant(te.Type) + ", not " + jsonKind(te.Value)}
	case errors.As(err, &se):
		return model.FieldError{Message: fmt.Sprintf("is not valid JSON: %s (at byte %d)", se.Error(), se.Offset)}
	case errors.Is(err, io.EOF):
		return model.FieldError{Message: "is empty: it must be " + whole}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return model.FieldError{Message: "ends before its JSON does (cut short?): it must be " + whole}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return model.FieldError{Field: string(model.MaskNationalIDsIn([]byte(name))), Message: unknownFieldMsg}
	}
	return model.FieldError{Message: "is not JSON that can be read as " + whole}
}

// jsonWant names the JSON a Go value of type t is decoded from.
func jsonWant(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another JSON value"
}

// jsonKind names a JSON value's kind as the decoder's UnmarshalTypeError
// gives it ("number", "number 1e999", "string", "bool", "array", "object").
func jsonKind(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	}
	if strings.HasPrefix(v, "number") {
		return "a number"
	}
	return "a " + v
}
