-- Transactional outbox shared by every service with a database: events are inserted in the same
-- transaction as the state change they describe and published to Kafka afterwards.
CREATE TABLE outbox (
    seq          BIGSERIAL PRIMARY KEY,
    id           UUID        NOT NULL UNIQUE,
    topic        TEXT        NOT NULL,
    event_key    TEXT,
    type         TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    subject      TEXT,
    event_time   TIMESTAMPTZ NOT NULL,
    payload      BYTEA       NOT NULL,
    published_at TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Event ids a service has handled, for idempotent consumers.
CREATE TABLE processed_events (
    event_id     TEXT PRIMARY KEY,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
