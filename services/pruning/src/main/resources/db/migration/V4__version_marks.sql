-- Versions of a job that ended FAILED or CANCELLED, to be tagged in the registry. Recorded in the
-- transaction that ends the job (or that sees a late version of an ended job), deleted once the
-- registry has the tag: a registry that is down, or a service that dies right after the commit,
-- delays the tag but does not lose it (the stall watch retries what is left).
CREATE TABLE version_marks (
    version      TEXT        NOT NULL,
    tag          TEXT        NOT NULL,
    job_id       TEXT        NOT NULL,
    created_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (version, tag)
);
CREATE INDEX version_marks_job ON version_marks (job_id);
