package dev.sculptor.training.grpc;

import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.ListTrainingRunsRequest;
import dev.sculptor.api.v1.ListTrainingRunsResponse;
import dev.sculptor.api.v1.Training;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.WatchTrainingRunRequest;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.platform.grpc.PageTokens;
import dev.sculptor.platform.grpc.Watches;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.training.kubernetes.LauncherMode;
import dev.sculptor.training.service.Failures;
import dev.sculptor.training.service.TrainingRuns;
import dev.sculptor.training.store.RunRow;
import dev.sculptor.training.store.TrainingRepository;
import io.quarkus.grpc.GrpcService;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The Training gRPC API: names, validation, page tokens, status mapping around the stored runs. */
@GrpcService
public class TrainingGrpcService implements Training {
    private static final Logger LOG = Logger.getLogger(TrainingGrpcService.class);

    @Inject
    TrainingRepository repo;

    @Inject
    TrainingRuns runs;

    @Inject
    LauncherMode mode;

    /** How often a watch looks at the run for changes. */
    @ConfigProperty(name = "sculptor.training.watch-poll", defaultValue = "PT0.25S")
    Duration watchPoll;

    private final Watches watches = new Watches("training-watch");

    void onStop(@Observes ShutdownEvent e) {
        watches.close();
    }

    @Override
    @Blocking
    public Uni<TrainingRun> createTrainingRun(CreateTrainingRunRequest r) {
        return call(() -> {
            String id = r.getTrainingRunId().isEmpty() ? "run-" + UUID.randomUUID() : r.getTrainingRunId();
            ResourceNames.checkNewId("training_run_id", id);
            // names are checked before the request id is looked up
            if (!r.getTrainingRun().getModelVersion().isEmpty()) {
                VersionName.parse("training_run.model_version", r.getTrainingRun().getModelVersion());
            }
            String requestId = r.getRequestId().isBlank() ? null : r.getRequestId().trim();
            return Mapper.run(runs.create(Mapper.request("trainingRuns/" + id, r.getTrainingRun(), Instant.now()), requestId, r));
        });
    }

    @Override
    @Blocking
    public Uni<TrainingRun> getTrainingRun(GetTrainingRunRequest r) {
        return call(() -> Mapper.run(find(ResourceNames.TRAINING_RUNS.id("name", r.getName()))));
    }

    @Override
    @Blocking
    public Uni<ListTrainingRunsResponse> listTrainingRuns(ListTrainingRunsRequest r) {
        return call(() -> {
            int size = PageTokens.pageSize(r.getPageSize());
            ListFilter filter = TrainingRepository.FILTERABLE.parse(r.getFilter());
            long before = PageTokens.decodeLong(r.getPageToken(), r.getFilter());
            List<RunRow> rows = repo.list(size + 1, before, filter);
            ListTrainingRunsResponse.Builder b = ListTrainingRunsResponse.newBuilder();
            rows.stream().limit(size).forEach(row -> b.addTrainingRuns(Mapper.run(row)));
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(rows.get(size - 1).seq(), r.getFilter()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public Uni<TrainingRun> cancelTrainingRun(CancelTrainingRunRequest r) {
        return call(() -> {
            String id = ResourceNames.TRAINING_RUNS.id("name", r.getName());
            RunRow row = runs.cancel(id);
            LOG.infof("%s: cancel requested (%s)", row.name(), row.state());
            return Mapper.run(row);
        });
    }

    @Override
    public Multi<TrainingRun> watchTrainingRun(WatchTrainingRunRequest r) {
        return watches.watch((em, cancelled) -> {
            servingApi();
            String id = ResourceNames.TRAINING_RUNS.id("name", r.getName());
            RunRow last = null;
            while (!cancelled.getAsBoolean()) {
                RunRow now = find(id);
                if (last == null || changed(last, now)) {
                    em.emit(Mapper.run(now));
                    last = now;
                }
                if (now.terminal()) {
                    em.complete();
                    return;
                }
                Thread.sleep(watchPoll.toMillis());
            }
        }, TrainingGrpcService::status);
    }

    /** A change of state or progress (the heartbeat alone is not one). */
    private static boolean changed(RunRow a, RunRow b) {
        return !a.state().equals(b.state()) || a.currentEpoch() != b.currentEpoch() || a.attempts() != b.attempts()
                || a.cancelRequested() != b.cancelRequested() || !Arrays.equals(a.progress(), b.progress())
                || !a.updateTime().equals(b.updateTime());
    }

    private RunRow find(String id) {
        return repo.find(id).orElseThrow(() -> PlatformException.notFound(ResourceNames.TRAINING_RUNS.name(id)));
    }

    private <T> Uni<T> call(Supplier<T> work) {
        return GrpcCalls.call(() -> {
            servingApi();
            return work.get();
        }, TrainingGrpcService::status);
    }

    /** A training Job's pod serves health only: the API is the training service's. */
    private void servingApi() {
        mode.podRun().ifPresent(run -> {
            throw PlatformException.unavailable("this process is the Kubernetes pod training trainingRuns/" + run
                    + " (sculptor.training.pod.run); call the training service", null);
        });
    }

    /** Canonical gRPC status for an error, with the message naming what was wrong. */
    static Throwable status(Throwable e) {
        return GrpcCalls.status(e, Failures::classify, LOG);
    }
}
