/**
 * Storage layer of Sculptor model checkpoints: bytes on disk, not models.
 *
 * <p>A checkpoint is a directory holding {@code manifest.json} ({@link dev.sculptor.engine.checkpoint.Manifest})
 * and binary parts ({@code params.bin}, optionally {@code masks.bin}, {@code optimizer.bin}) in the
 * {@link dev.sculptor.engine.checkpoint.TensorFile} format. The mapping between a model and these tensors
 * lives elsewhere; this package only guarantees that what is read back is exactly what was written,
 * or fails loudly.
 *
 * <p>Crash safety comes from ordering, not locking: every file is written to a temporary name, flushed
 * to disk and renamed into place; the manifest, which records the size and SHA-256 of every part, is
 * written last ({@link dev.sculptor.engine.checkpoint.CheckpointDir#write}). A manifest therefore only
 * ever names complete parts, and {@link dev.sculptor.engine.checkpoint.CheckpointDir#readVerified} turns
 * any later tampering or corruption into an error instead of silently wrong weights. To overwrite an
 * existing checkpoint, write a staging directory and swap it in with
 * {@link dev.sculptor.engine.checkpoint.CheckpointDir#replaceAtomically}.
 *
 * <p>All failures are reported as the unchecked {@link dev.sculptor.engine.checkpoint.CheckpointException}
 * with a one-line message that starts with the offending file, so a CLI can print it as is. Concurrent
 * writers to the same checkpoint are not supported.
 */
package dev.sculptor.engine.checkpoint;
