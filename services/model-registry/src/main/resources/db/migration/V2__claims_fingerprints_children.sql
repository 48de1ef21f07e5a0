-- Metrics a checkpoint's manifest claims but the platform did not measure (an upload's, say): kept
-- apart from `metrics`, which holds only what the platform measured or computed.
ALTER TABLE versions ADD COLUMN claimed_metrics JSONB NOT NULL DEFAULT '{}';

-- Until now every manifest's metrics were taken as measured. Only the platform's own training runs
-- and prune jobs (recorded in the lineage) measured theirs; the rest become claims.
UPDATE versions SET claimed_metrics = metrics, metrics = '{}'
    WHERE metrics <> '{}' AND NOT (COALESCE(lineage, '{}') ?| ARRAY['trainingRun', 'pruneJob']);

-- What a registration with a request id asked for, field by field (SHA-256 of each), so that a
-- reused id with a different request is refused naming the field (AIP-155). Null on rows
-- registered before: their retries are not compared.
ALTER TABLE versions ADD COLUMN request_fingerprint JSONB;

-- DeleteVersion looks up the versions that name one as their lineage parent.
CREATE INDEX versions_lineage_parent ON versions ((lineage ->> 'parentVersion'));
