-- CreateTrainingRun's request_id (AIP-155): a retried call finds the run the first call created.
-- NULL for runs requested through Kafka, which are named by their requester instead.
ALTER TABLE training_runs ADD COLUMN request_id TEXT UNIQUE;
