-- AIP-155: the body of the Evaluate request that first used a request_id (without the id), so the same id with
-- another body is refused, naming what differs. NULL for evaluations recorded before it was kept, for those the
-- Kafka worker runs and for CompareVersions' rows.
ALTER TABLE evaluations ADD COLUMN request_body BYTEA;
