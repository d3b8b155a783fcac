package notice

import (
	"fmt"
	"io"
	"strconv"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// UnitColumns is the header of a units CSV file, in any order: the sending
// organisation's number, the unit's name as registered with its letters,
// the unit's own address and its manager's (either may be empty, not both).
var UnitColumns = []string{"sender_org", "unit", "contact_email", "manager_email"}

// InvalidUnitsError lists every problem of a units file; nothing of it is
// to be stored.
type InvalidUnitsError struct{ Problems []remind.ContactError }

// Rows returns the problems, by line and column.
func (e *InvalidUnitsError) Rows() []remind.ContactError { return e.Problems }

func (e *InvalidUnitsError) Error() string {
	return fmt.Sprintf("%d problem(s) in the units file; nothing was imported", len(e.Problems))
}

// ParseUnits reads a units CSV file (header sender_org,unit,contact_email,
// manager_email). Every problem is reported, as an *InvalidUnitsError with
// line and column; a file with any problem yields no units.
func ParseUnits(r io.Reader) ([]store.Unit, error) {
	var out []store.Unit
	seen := map[[2]string]int{}
	problems, err := remind.ReadTable(r, UnitColumns, func(line int, get func(string) string, bad func(col string, reason i18n.Phrase)) {
		u := store.Unit{SenderOrg: get("sender_org"), Name: model.NormalizeName(get("unit")), ContactEmail: get("contact_email"), ManagerEmail: get("manager_email")}
		if col, why := CheckUnit(u); col != "" {
			bad(col, why)
			return
		}
		k := [2]string{u.SenderOrg, u.Name}
		if first, dup := seen[k]; dup {
			bad("unit", i18n.P("problem.unit_twice", "Unit", strconv.Quote(u.Name), "Org", u.SenderOrg, "Line", first))
			return
		}
		seen[k] = line
		out = append(out, u)
	})
	if err != nil {
		return nil, fmt.Errorf("read units CSV: %w", err)
	}
	if len(problems) > 0 {
		return nil, &InvalidUnitsError{problems}
	}
	if len(out) == 0 {
		return nil, &InvalidUnitsError{[]remind.ContactError{spreadsheet.NewLineError(2, "", i18n.P("problem.no_units"))}}
	}
	return out, nil
}

// CheckUnit returns the column and what is wrong with a unit's fields, or
// two empty strings: the organisation number must be valid, the name given
// and one a letter can carry (UTF-8, no control character, at most
// model.MaxUnitLen characters, no national id, text direction control or
// invisible character in it), each address plain
// (or empty), and at least one address given.
func CheckUnit(u store.Unit) (col string, problem i18n.Phrase) {
	switch {
	case u.SenderOrg == "":
		return "sender_org", i18n.P("problem.required")
	case model.CheckOrgNumber(u.SenderOrg) != nil:
		return "sender_org", model.ReasonOf(model.CheckOrgNumber(u.SenderOrg))
	case u.Name == "":
		return "unit", i18n.P("problem.required")
	case model.CheckText(u.Name, model.MaxUnitLen) != "":
		// A name no letter can carry (letters refuse control characters
		// and longer names) would be a unit no letter ever matches.
		return "unit", model.TextProblem(u.Name, model.MaxUnitLen)
	case model.HoldsNationalID(u.Name):
		// As a letter's sender_unit: the name is shown unmasked in lists
		// and exports.
		return "unit", i18n.P("problem.name_national_id", "Value", model.Quote(u.Name))
	case model.BidiProblem(u.Name).Key != "":
		// As a letter's sender_unit: a unit no letter could match.
		return "unit", model.BidiProblem(u.Name)
	case model.InvisibleProblem(u.Name).Key != "":
		// As a letter's sender_unit: a unit no letter could match.
		return "unit", model.InvisibleProblem(u.Name)
	}
	return CheckAddresses(u.ContactEmail, u.ManagerEmail)
}

// CheckAddresses checks a unit's two addresses: each plain (or empty), at
// least one given. It returns the column and the problem, or "" and the
// zero Phrase.
func CheckAddresses(contact, manager string) (col string, problem i18n.Phrase) {
	if contact == "" && manager == "" {
		return "contact_email", i18n.P("problem.unit_no_address")
	}
	for _, f := range []struct{ col, v string }{{"contact_email", contact}, {"manager_email", manager}} {
		if f.v != "" {
			if p := remind.EmailProblem(f.v); p.Key != "" {
				return f.col, p
			}
		}
	}
	return "", i18n.Phrase{}
}
