-- One row per training run, from the moment its request is accepted.
CREATE TABLE training_runs (
    seq              BIGSERIAL   UNIQUE,
    id               TEXT        PRIMARY KEY,
    -- the TrainingRequested payload that created the run (protobuf)
    request          BYTEA       NOT NULL,
    model_version    TEXT        NOT NULL DEFAULT '',
    retrain_mode     TEXT        NOT NULL DEFAULT 'RETRAIN_MODE_UNSPECIFIED',
    prune_job        TEXT        NOT NULL DEFAULT '',
    state            TEXT        NOT NULL,
    epochs           INT         NOT NULL,
    current_epoch    INT         NOT NULL DEFAULT 0,
    -- the last epoch whose checkpoint is completely in the store (runs/{run}/checkpoints/epoch-{n}/)
    checkpoint_epoch INT         NOT NULL DEFAULT 0,
    -- the latest EpochProgress (protobuf)
    progress         BYTEA,
    attempts         INT         NOT NULL DEFAULT 0,
    failure_reason   TEXT        NOT NULL DEFAULT '',
    -- why the last attempt stopped without ending the run (a part was down, the worker died)
    last_error       TEXT        NOT NULL DEFAULT '',
    cancel_requested BOOLEAN     NOT NULL DEFAULT false,
    output_uri       TEXT,
    output_sha256    TEXT,
    -- ModelMetrics (protobuf), set when the run succeeded
    metrics          BYTEA,
    -- the replica training it and when it last said so (a lease: a silent owner loses the run)
    owner            TEXT,
    heartbeat_time   TIMESTAMPTZ,
    create_time      TIMESTAMPTZ NOT NULL DEFAULT now(),
    start_time       TIMESTAMPTZ,
    update_time      TIMESTAMPTZ NOT NULL DEFAULT now(),
    end_time         TIMESTAMPTZ
);
CREATE INDEX training_runs_newest ON training_runs (seq DESC);
