/**
 * Idempotent create methods (AIP-155): {@code RequestBodies} keeps what a request id was first used
 * for and refuses the same id with another body, naming the fields that differ.
 */
package dev.sculptor.platform.requests;
