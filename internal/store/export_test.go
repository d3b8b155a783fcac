package store

// SetIncidentBatch sets how many letters RecordIncidentFollowUps records in
// one transaction, and returns the undo.
func SetIncidentBatch(n int) func() {
	was := incidentBatch
	incidentBatch = n
	return func() { incidentBatch = was }
}
