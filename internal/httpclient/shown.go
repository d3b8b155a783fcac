package httpclient

import (
	"bytes"
	"encoding/json"
	"fmt"

	"postvakt/internal/model"
)

// errorFields are the fields of a JSON error answer an error shows: RFC
// 9457 problem details (Altinn), SvarUt's ErrorMessage, OAuth's error.
var errorFields = []string{"type", "title", "status", "detail", "instance", "traceId", "code", "errorCode",
	"errorId", "message", "error", "error_description"}

// shown is what an error shows of a failed answer's body, in its message
// and Raw (a poll error's evidence, a log line). The body is the remote
// service's and may carry letters' titles and national ids (a Digital Post
// 502 relaying a page of its log, a SvarUt history's texts). Of a JSON
// object it shows only the scalar error fields, of other JSON only its
// length, and of text (an HTML page, a proxy's message) the text; national
// ids masked in all (model.MaskNationalIDsIn). StatusError.Body stays as
// it came, for the adapters to read codes from.
func shown(body []byte) string {
	b := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(body), []byte("\ufeff")))
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return string(model.MaskNationalIDsIn(body))
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return fmt.Sprintf("(%d bytes of JSON, not shown)", len(body))
	}
	kept := map[string]json.RawMessage{}
	for _, k := range errorFields {
		if v := bytes.TrimSpace(obj[k]); len(v) > 0 && v[0] != '{' && v[0] != '[' {
			kept[k] = v
		}
	}
	if len(kept) == 0 {
		return fmt.Sprintf("(%d bytes of JSON without error fields, not shown)", len(body))
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return fmt.Sprintf("(%d bytes of JSON, not shown)", len(body))
	}
	return string(model.MaskNationalIDsIn(out))
}
