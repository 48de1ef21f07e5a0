-- AIP-155: the body of the CreateTrainingRun request that first used a request_id (without the id), so the
-- same id with another body is refused, naming what differs. NULL for runs requested through Kafka and for
-- runs created before it was kept.
ALTER TABLE training_runs ADD COLUMN request_body BYTEA;
