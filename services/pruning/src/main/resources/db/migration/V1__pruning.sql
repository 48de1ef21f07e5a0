-- One row per prune job. `job` is the resource as the API shows it (sculptor.v1.PruneJob, protobuf);
-- the other columns are what lists filter on and what the saga needs beside it.
CREATE TABLE prune_jobs (
    seq              BIGSERIAL   UNIQUE,
    id               TEXT        PRIMARY KEY,
    job              BYTEA       NOT NULL,
    state            TEXT        NOT NULL,
    model_version    TEXT        NOT NULL,
    target_model     TEXT        NOT NULL,
    method           TEXT        NOT NULL,
    reprune_trigger  TEXT        NOT NULL DEFAULT '',
    trigger_event_id TEXT        NOT NULL DEFAULT '',
    request_id       TEXT,
    -- where the scoring service put the scores (s3://bucket/jobs/{job}/scores/)
    scores_uri       TEXT        NOT NULL DEFAULT '',
    -- FLOPs ratio baseline / pruned, known after pruning (Scratch-B's budget)
    flops_ratio      DOUBLE PRECISION,
    -- the pruning step: the replica doing it, until when, and how many times it was started
    step_owner       TEXT,
    step_lease       TIMESTAMPTZ,
    step_attempts    INT         NOT NULL DEFAULT 0,
    create_time      TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prune_jobs_newest ON prune_jobs (seq DESC);
CREATE INDEX prune_jobs_pruning ON prune_jobs (state) WHERE state = 'PRUNING';
CREATE UNIQUE INDEX prune_jobs_request ON prune_jobs (request_id) WHERE request_id IS NOT NULL;
-- a duplicate registry event cannot start a second job from the same trigger
CREATE UNIQUE INDEX prune_jobs_trigger_event ON prune_jobs (reprune_trigger, trigger_event_id) WHERE trigger_event_id <> '';

-- What a watch streams: every state change and training progress report of a job
-- (sculptor.v1.PruneJobEvent, protobuf), in order.
CREATE TABLE prune_job_events (
    seq     BIGSERIAL   PRIMARY KEY,
    job_id  TEXT        NOT NULL REFERENCES prune_jobs (id) ON DELETE CASCADE,
    event   BYTEA       NOT NULL,
    time    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prune_job_events_job ON prune_job_events (job_id, seq);

-- Re-prune triggers; `trigger` is the resource (sculptor.v1.RepruneTrigger, protobuf).
CREATE TABLE reprune_triggers (
    id          TEXT        PRIMARY KEY,
    trigger     BYTEA       NOT NULL,
    model       TEXT        NOT NULL,
    alias       TEXT        NOT NULL DEFAULT '',
    enabled     BOOLEAN     NOT NULL,
    create_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reprune_triggers_model ON reprune_triggers (model);
