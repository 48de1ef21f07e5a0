CREATE TABLE models (
    name           TEXT PRIMARY KEY,
    display_name   TEXT        NOT NULL DEFAULT '',
    description    TEXT        NOT NULL DEFAULT '',
    labels         JSONB       NOT NULL DEFAULT '{}',
    latest_version INT         NOT NULL DEFAULT 0,
    create_time    TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Versions are immutable apart from description and tags; a row exists only once its
-- checkpoint was verified and stored, so every visible version is complete.
CREATE TABLE versions (
    model             TEXT        NOT NULL REFERENCES models (name) ON DELETE CASCADE,
    number            INT         NOT NULL,
    description       TEXT        NOT NULL DEFAULT '',
    tags              TEXT[]      NOT NULL DEFAULT '{}',
    arch              JSONB       NOT NULL,
    metrics           JSONB       NOT NULL DEFAULT '{}',
    lineage           JSONB,
    checkpoint_prefix TEXT        NOT NULL,
    manifest_sha256   TEXT        NOT NULL,
    size_bytes        BIGINT      NOT NULL,
    params            BIGINT      NOT NULL,
    flops             BIGINT      NOT NULL,
    create_time       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (model, number)
);

CREATE TABLE aliases (
    model       TEXT        NOT NULL,
    alias       TEXT        NOT NULL,
    version     INT         NOT NULL,
    update_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES versions (model, number)
);

-- A client-chosen id makes a retried registration return the first one's version.
ALTER TABLE versions ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX versions_request_id ON versions (model, request_id) WHERE request_id IS NOT NULL;
