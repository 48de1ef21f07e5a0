/**
 * gRPC clients of the neighbours the saga calls directly: the model registry (resolve, read and register
 * versions, idempotent by request id) and the training service (cancel the runs of an ended job).
 */
package dev.sculptor.pruning.clients;
