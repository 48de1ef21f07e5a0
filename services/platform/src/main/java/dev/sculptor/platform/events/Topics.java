package dev.sculptor.platform.events;

import java.util.List;

/**
 * Every Kafka topic in one place: one topic per stream, versioned
 * ({@code sculptor.<area>.<events|requests>.v1}); failures end in {@code <topic>.dlq}.
 */
public final class Topics {
    private Topics() {}

    public static final String REGISTRY_EVENTS = "sculptor.registry.events.v1";
    public static final String SCORING_REQUESTS = "sculptor.scoring.requests.v1";
    public static final String SCORING_EVENTS = "sculptor.scoring.events.v1";
    public static final String TRAINING_REQUESTS = "sculptor.training.requests.v1";
    public static final String TRAINING_EVENTS = "sculptor.training.events.v1";
    public static final String EVALUATION_REQUESTS = "sculptor.evaluation.requests.v1";
    public static final String EVALUATION_EVENTS = "sculptor.evaluation.events.v1";
    public static final String PRUNING_REQUESTS = "sculptor.pruning.requests.v1";
    public static final String PRUNING_EVENTS = "sculptor.pruning.events.v1";

    public static final List<String> ALL = List.of(REGISTRY_EVENTS, SCORING_REQUESTS, SCORING_EVENTS, TRAINING_REQUESTS,
            TRAINING_EVENTS, EVALUATION_REQUESTS, EVALUATION_EVENTS, PRUNING_REQUESTS,
            PRUNING_EVENTS);

    /** The dead-letter topic of a topic. */
    public static String dlq(String topic) {
        return topic + ".dlq";
    }
}
