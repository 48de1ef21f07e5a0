/**
 * The evaluation service's edge: the {@code sculptor.v1.EvaluationService} gRPC API (evaluate, compare
 * versions, get and list evaluations) with validation, names, page tokens and status mapping, and the mapping
 * of rows and measurements to the contract's messages.
 */
package dev.sculptor.evaluation.grpc;
