-- +goose Up

-- When each cluster-wide scheduled job (internal/jobs, Scheduler.Once)
-- last started, on any replica. A replica's tick takes the job's advisory
-- lock, then records its start here unless another replica's start already
-- belongs to this tick's interval (then it skips the tick): every replica
-- keeps its own ticks, and without this N replicas on `@every D` ran the
-- job up to N times per D. One row per job name; a run that failed or was
-- stopped midway stays recorded (it started).
CREATE TABLE job_runs (
    name       text PRIMARY KEY,
    started_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE job_runs;
