-- One row per evaluation, from the moment it is accepted; metrics are set when it succeeded.
CREATE TABLE evaluations (
    seq                BIGSERIAL   UNIQUE,
    id                 TEXT        PRIMARY KEY,
    model_version      TEXT        NOT NULL,
    dataset_uri        TEXT        NOT NULL,
    test_subset        INT         NOT NULL DEFAULT 0,
    state              TEXT        NOT NULL,
    state_message      TEXT        NOT NULL DEFAULT '',
    prune_job          TEXT        NOT NULL DEFAULT '',
    request_id         TEXT        UNIQUE,
    arch_name          TEXT,
    accuracy           DOUBLE PRECISION,
    loss               DOUBLE PRECISION,
    params             BIGINT,
    flops              BIGINT,
    latency_ms         DOUBLE PRECISION,
    images_per_second  DOUBLE PRECISION,
    latency_batch_size INT         NOT NULL DEFAULT 0,
    evaluated_examples BIGINT      NOT NULL DEFAULT 0,
    create_time        TIMESTAMPTZ NOT NULL DEFAULT now(),
    end_time           TIMESTAMPTZ
);
CREATE INDEX evaluations_newest ON evaluations (seq DESC);
