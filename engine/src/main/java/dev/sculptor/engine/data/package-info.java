/**
 * Image datasets for the pruning engine: Fashion-MNIST and CIFAR-10.
 *
 * <p>Datasets are small enough (at most 60,000 images of 3 KiB) to keep entirely in memory as
 * raw {@code uint8} pixels, which is four times smaller than floats and makes subsetting and
 * shuffling cheap. Pixels become normalised {@code float} batches only when a
 * {@link dev.sculptor.engine.data.BatchIterator} hands them out, so the same bytes serve
 * training (shuffled, augmented) and evaluation (in order, plain).
 *
 * <p>Everything here is pure Java, with no dependency on the deep-learning engine, so the file
 * parsing and the augmentation can be tested exactly on tiny handmade files. Problems with the
 * files on disk are reported as {@link dev.sculptor.engine.data.DataException} with a one-line
 * message that names the file and what is wrong with it.
 */
package dev.sculptor.engine.data;
