/**
 * The services' container images, built with Jib Core and no Docker daemon: {@link dev.sculptor.images.ServiceImage}
 * lays one service's Quarkus fast-jar out in layers (least to most often changed, files owned by root, run as a
 * non-root user), {@link dev.sculptor.images.ImageBuilder} builds images on a base ({@code scratch}, a tarball or a
 * registry reference) and writes them to tarballs or pushes them, and {@link dev.sculptor.images.ImagesCommand} is
 * {@code ./sculptor images}, whose default tag is the one the Helm chart ({@code helm/sculptor}) pulls.
 */
package dev.sculptor.images;
