/**
 * Evaluations, free of wire types, for the gRPC API and the Kafka worker alike: resolve the version and the
 * dataset, record the evaluation, measure the checkpoint with the engine
 * ({@link dev.sculptor.evaluation.service.Measurer}; no metric is computed here), and end it with its event.
 * Failures are sorted into canonical codes, where UNAVAILABLE is worth retrying.
 */
package dev.sculptor.evaluation.service;
