-- The pruning step is a Kafka request (PruningRequested) like the saga's other steps: a replica no longer
-- holds a lease on a job it prunes. step_attempts stays: it counts starts, so a step whose replica keeps dying
-- ends the job.
DROP INDEX IF EXISTS prune_jobs_pruning;
ALTER TABLE prune_jobs DROP COLUMN IF EXISTS step_owner;
ALTER TABLE prune_jobs DROP COLUMN IF EXISTS step_lease;
