package remind

// Grouper is the group stage: it turns a stream of due shipments, ordered
// by receiving organisation, into one Group per organisation. A group is
// complete when the next organisation's first shipment arrives (Add) or the
// stream ends (Flush); only the current organisation's shipments are held.
type Grouper struct {
	cur Group
}

// Add adds a shipment for org, whose name (from the registers) is
// orgName, "" when unknown. When org differs from the group being
// collected, that group is complete and returned with ok true.
func (g *Grouper) Add(org, orgName string, s Shipment) (done Group, ok bool) {
	if len(g.cur.Shipments) > 0 && g.cur.Org != org {
		done, ok = g.cur, true
		g.cur = Group{}
	}
	g.cur.Org = org
	if orgName != "" {
		g.cur.OrgName = orgName
	}
	g.cur.Shipments = append(g.cur.Shipments, s)
	return done, ok
}

// Flush returns the group being collected, if any, and starts afresh.
func (g *Grouper) Flush() (done Group, ok bool) {
	if len(g.cur.Shipments) == 0 {
		return Group{}, false
	}
	done, g.cur = g.cur, Group{}
	return done, true
}
