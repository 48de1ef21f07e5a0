-- AIP-155: the body of the CreatePruneJob request that first used a request_id (without the id), so the
-- same id with another body is refused, naming what differs. NULL for jobs created before it was kept and
-- for jobs started by triggers.
ALTER TABLE prune_jobs ADD COLUMN request_body BYTEA;
