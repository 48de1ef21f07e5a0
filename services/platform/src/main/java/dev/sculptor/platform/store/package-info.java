/**
 * Where service state lives: checkpoints in one S3 bucket ({@link dev.sculptor.platform.store.CheckpointStore},
 * every object's SHA-256 checked on read) and rows in PostgreSQL through plain JDBC
 * ({@link dev.sculptor.platform.store.Transactions}, {@link dev.sculptor.platform.store.Rows}), with
 * {@link dev.sculptor.platform.store.ListFilter} turning a List method's AIP-160 filter into a parametrised SQL
 * condition. Errors become the caller's own exception type: storage is shared, error classification is not.
 */
package dev.sculptor.platform.store;
