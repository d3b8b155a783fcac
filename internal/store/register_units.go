package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"postvakt/internal/model"
)

// UnitLike is a sending unit a registration made (Name) beside a unit of
// its organisation written otherwise (Like: model.NameLike), stored
// before or made by an earlier row.
type UnitLike struct {
	SenderOrg, Name, Like string
}

// UnitsLike returns (after Apply) the units this registration made whose
// names are written otherwise than another unit of their organisation
// (model.NameLike), by organisation and name.
func (r *Registration) UnitsLike(ctx context.Context) ([]UnitLike, error) {
	if len(r.newUnits) == 0 {
		return nil, nil
	}
	var units []struct {
		Org  string `db:"orgnr"`
		Name string `db:"name"`
		New  bool   `db:"new"`
	}
	if err := r.tx.SelectContext(ctx, &units, `SELECT o.orgnr, u.name, u.id = ANY($1) AS new
		FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE u.sender_org_id IN (SELECT sender_org_id FROM sender_units WHERE id = ANY($1))
		ORDER BY u.id`, r.newUnits); err != nil {
		return nil, fmt.Errorf("register: units written otherwise: %w", err)
	}
	first := map[[2]string]string{} // an organisation's first unit of a NameLike
	var out []UnitLike
	for _, u := range units {
		k := [2]string{u.Org, model.NameLike(u.Name)}
		if like, ok := first[k]; !ok {
			first[k] = u.Name
		} else if u.New {
			out = append(out, UnitLike{SenderOrg: u.Org, Name: u.Name, Like: like})
		}
	}
	slices.SortFunc(out, func(a, b UnitLike) int {
		return cmp.Or(strings.Compare(a.SenderOrg, b.SenderOrg), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// UnitsWrittenOtherwise pairs each unit of us (a units file) that is not
// one of known (the units stored) with the one of known it is written
// otherwise than (the same organisation, the name in another letter case
// or with other spaces: model.NameLike): saved, it would be a unit of no
// letter, and the letters' unit would keep no address.
func UnitsWrittenOtherwise(us, known []Unit) [][2]Unit {
	key := func(u Unit) string { return u.SenderOrg + "\x00" + model.NameLike(u.Name) }
	exact := map[[2]string]bool{}
	like := map[string]Unit{}
	for _, k := range known {
		exact[[2]string{k.SenderOrg, k.Name}] = true
		like[key(k)] = k
	}
	var out [][2]Unit
	for _, u := range us {
		if k, ok := like[key(u)]; ok && !exact[[2]string{u.SenderOrg, u.Name}] {
			out = append(out, [2]Unit{u, k})
		}
	}
	return out
}
