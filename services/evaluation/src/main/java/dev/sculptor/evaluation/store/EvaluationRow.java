package dev.sculptor.evaluation.store;

import dev.sculptor.evaluation.service.Measurement;
import java.time.Instant;

/**
 * One stored evaluation.
 *
 * @param id the id in {@code evaluations/{id}}
 * @param state PENDING, RUNNING, SUCCEEDED or FAILED
 * @param metrics set when it succeeded
 * @param seq insertion order, for newest-first pages
 */
public record EvaluationRow(long seq, String id, String modelVersion, String datasetUri, int testSubset, String state,
        String stateMessage, String pruneJob, String requestId, Measurement metrics, Instant createTime, Instant endTime) {
    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";

    public String name() {
        return "evaluations/" + id;
    }

    public boolean terminal() {
        return SUCCEEDED.equals(state) || FAILED.equals(state);
    }
}
