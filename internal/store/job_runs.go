package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// StartJobRun records that the cluster-wide job name starts at at, unless
// a start from since to until is recorded already: then it records nothing
// and returns started=false (another replica ran this interval's run). A
// start recorded after until (a replica's clock that was far ahead when it
// recorded it) is replaced as one before since is, so that it holds the job
// back no longer than until allows. The check and the record are one
// statement; internal/jobs calls it under the job's lock (TryExclusive), so
// two replicas never both start one interval's run. A start stays recorded
// whatever becomes of the run.
func (s *Store) StartJobRun(ctx context.Context, name string, at, since, until time.Time) (started bool, err error) {
	err = s.db.QueryRowContext(ctx, `INSERT INTO job_runs (name, started_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at
		WHERE job_runs.started_at < $3 OR job_runs.started_at > $4
		RETURNING true`, name, at, since, until).Scan(&started)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record the start of job %s: %w", name, err)
	}
	return true, nil
}
