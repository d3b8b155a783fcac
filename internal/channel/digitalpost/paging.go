package digitalpost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// paging is where a page stands in the answer: each field nil when the
// log leaves it out. (currentPage is not read: the page asked for says
// where a read stands.)
//
// A count is a non-negative integer, as a JSON number or in a JSON string
// ("2", as a gateway or a serializer writing numbers as text has it): read
// strictly, such a string made every page of the log unreadable, and the
// feed stood still. Anything else (a negative number, "many", an object)
// still makes the page unreadable: taken as left out, it would let an
// empty page in the middle of the log end the read.
type paging struct {
	TotalPages    *int `json:"-"`
	TotalElements *int `json:"-"`

	RawPages    json.RawMessage `json:"totalPages"`
	RawElements json.RawMessage `json:"totalElements"`
}

// settle reads the counts from their raw values.
func (p *paging) settle() error {
	var err1, err2 error
	p.TotalPages, err1 = count("totalPages", p.RawPages)
	p.TotalElements, err2 = count("totalElements", p.RawElements)
	if err1 != nil {
		return err1
	}
	return err2
}

// count reads a count named name: nil when absent or null.
func count(name string, raw json.RawMessage) (*int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return nil, fmt.Errorf("%s %.20s is no count", name, raw)
		}
		s = strings.TrimSpace(s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s %.20s is no count", name, raw)
	}
	return &n, nil
}
