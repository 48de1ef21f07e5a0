package dev.sculptor.training.store;

import java.time.Instant;

/**
 * A stored training run. Protobuf columns (request, progress, metrics) are kept as bytes and
 * mapped at the edges.
 *
 * @param checkpointEpoch the last epoch (1-based) whose checkpoint is completely in the store; 0: none
 */
public record RunRow(long seq, String id, byte[] request, String modelVersion, String retrainMode, String pruneJob, String state,
        int epochs, int currentEpoch, int checkpointEpoch, byte[] progress, int attempts, String failureReason, String lastError,
        boolean cancelRequested, String outputUri, String outputSha256, byte[] metrics, String owner, Instant heartbeatTime,
        Instant createTime, Instant startTime, Instant updateTime, Instant endTime) {
    public static final String QUEUED = "QUEUED";
    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";

    public String name() {
        return "trainingRuns/" + id;
    }

    public boolean terminal() {
        return isTerminal(state);
    }

    public static boolean isTerminal(String state) {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    /** The partition key of the run's events: the asking job, or the run itself. */
    public String eventKey() {
        return pruneJob.isEmpty() ? name() : pruneJob;
    }
}
