/**
 * Where a {@code DatasetRef} uri's files are on this worker: configured local copies, directories
 * named by {@code file:} uris, and dataset files in the object store downloaded once into a local
 * cache. The result is a dataset name and a directory for the engine's {@code Datasets.load}; this
 * package knows file names, never pixels, so the platform stays free of the engine and DJL.
 */
package dev.sculptor.platform.datasets;
