/**
 * Where service state lives: checkpoints in one S3 bucket ({@link dev.sculptor.platform.store.CheckpointStore},
 * every object's SHA-256 checked on read, failures as {@link dev.sculptor.platform.store.StoreException}) and
 * rows in PostgreSQL through plain JDBC ({@link dev.sculptor.platform.store.Transactions},
 * {@link dev.sculptor.platform.store.Rows}, {@link dev.sculptor.platform.store.Table}), with
 * {@link dev.sculptor.platform.store.ListFilter} turning a List method's AIP-160 filter into a parametrised SQL
 * condition, and {@link dev.sculptor.platform.store.WorkDirs} for local working directories. A database error
 * becomes a {@code PlatformException} (UNAVAILABLE, or ALREADY_EXISTS for a unique key taken concurrently);
 * store failures are sorted into codes by {@code dev.sculptor.platform.errors.Failures}.
 */
package dev.sculptor.platform.store;
