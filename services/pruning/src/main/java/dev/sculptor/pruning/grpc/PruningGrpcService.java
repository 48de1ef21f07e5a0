package dev.sculptor.pruning.grpc;

import com.google.protobuf.Empty;
import dev.sculptor.api.v1.CancelPruneJobRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.CreateRepruneTriggerRequest;
import dev.sculptor.api.v1.DeleteRepruneTriggerRequest;
import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.GetRepruneTriggerRequest;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListPruneJobsResponse;
import dev.sculptor.api.v1.ListRepruneTriggersRequest;
import dev.sculptor.api.v1.ListRepruneTriggersResponse;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.Pruning;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.UpdateRepruneTriggerRequest;
import dev.sculptor.api.v1.WatchPruneJobRequest;
import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.platform.grpc.PageTokens;
import dev.sculptor.platform.grpc.Watches;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.pruning.service.Names;
import dev.sculptor.pruning.service.PruneJobs.Origin;
import dev.sculptor.pruning.service.PruneJobs;
import dev.sculptor.pruning.service.Triggers;
import dev.sculptor.pruning.store.JobRepository.Stored;
import dev.sculptor.pruning.store.JobRepository.Watched;
import dev.sculptor.pruning.store.JobRepository;
import dev.sculptor.pruning.store.TriggerRepository;
import io.quarkus.grpc.GrpcService;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The Pruning gRPC API: prune jobs and re-prune triggers; names, validation, pages and status codes at the edge. */
@GrpcService
public class PruningGrpcService implements Pruning {
    private static final Logger LOG = Logger.getLogger(PruningGrpcService.class);
    static final ListFilter.Fields JOB_FILTER = ListFilter.fields("model_version", "target_model", "reprune_trigger")
            .withValues("state", Arrays.stream(PruneJob.State.values()).filter(s -> s != PruneJob.State.UNRECOGNIZED)
                    .map(Enum::name).toList())
            // the column holds the enum's name: anything else (e.g. the engine's id `l1-norm`) would match nothing
            .withValues("method", Arrays.stream(PruningMethod.values()).filter(m -> m != PruningMethod.UNRECOGNIZED
                    && m != PruningMethod.PRUNING_METHOD_UNSPECIFIED).map(Enum::name).toList());
    static final ListFilter.Fields TRIGGER_FILTER = ListFilter.fields("model", "alias").withValues("enabled", List.of("true", "false"));

    @Inject
    PruneJobs saga;

    @Inject
    Triggers triggers;

    @Inject
    JobRepository jobs;

    @Inject
    TriggerRepository triggerRepo;

    @ConfigProperty(name = "sculptor.pruning.watch-poll", defaultValue = "PT0.25S")
    Duration watchPoll;

    private final Watches watches = new Watches("prune-job-watch");

    void onStop(@Observes ShutdownEvent e) {
        watches.close();
    }

    @Override
    @Blocking
    public Uni<PruneJob> createPruneJob(CreatePruneJobRequest r) {
        return call(() -> {
            if (!r.hasPruneJob()) {
                throw PlatformException.invalid("prune_job", "is required");
            }
            checkNames(r);
            return saga.create(r.getPruneJob(), r.getPruneJobId(), r.getRequestId(), Origin.API).job();
        });
    }

    @Override
    @Blocking
    public Uni<PruneJob> getPruneJob(GetPruneJobRequest r) {
        return call(() -> find(Names.jobId("name", r.getName())).job());
    }

    @Override
    @Blocking
    public Uni<ListPruneJobsResponse> listPruneJobs(ListPruneJobsRequest r) {
        return call(() -> {
            int size = PageTokens.pageSize(r.getPageSize());
            // the contract names the method's field `method.method`; the column is `method`
            ListFilter filter = JOB_FILTER.parse(r.getFilter().replace("method.method", "method"));
            long before = PageTokens.decodeLong(r.getPageToken(), r.getFilter());
            List<Stored> rows = jobs.list(size + 1, before, filter);
            ListPruneJobsResponse.Builder b = ListPruneJobsResponse.newBuilder();
            rows.stream().limit(size).forEach(s -> b.addPruneJobs(s.job()));
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(rows.get(size - 1).seq(), r.getFilter()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public Uni<PruneJob> cancelPruneJob(CancelPruneJobRequest r) {
        return call(() -> saga.cancel(Names.jobId("name", r.getName())).job());
    }

    @Override
    public Multi<PruneJobEvent> watchPruneJob(WatchPruneJobRequest r) {
        return watches.watch((em, cancelled) -> {
            String id = Names.jobId("name", r.getName());
            // the events committed before the job is read are in the job as it is now
            long seq = jobs.lastEventSeq(id);
            PruneJob now = find(id).job();
            em.emit(PruneJobEvent.newBuilder().setPruneJob(now.getName()).setEventTime(now.getUpdateTime()).setJob(now).build());
            boolean ended = PruneJobs.terminal(now.getState());
            while (!ended && !cancelled.getAsBoolean()) {
                List<Watched> batch = jobs.eventsAfter(id, seq);
                for (Watched w : batch) {
                    em.emit(w.event());
                    seq = w.seq();
                    if (w.event().hasJob() && PruneJobs.terminal(w.event().getJob().getState())) {
                        ended = true;
                        break;
                    }
                }
                if (batch.isEmpty()) {
                    Thread.sleep(watchPoll.toMillis());
                }
            }
            em.complete();
        }, PruningGrpcService::status);
    }

    @Override
    @Blocking
    public Uni<RepruneTrigger> createRepruneTrigger(CreateRepruneTriggerRequest r) {
        return call(() -> {
            if (!r.hasRepruneTrigger()) {
                throw PlatformException.invalid("reprune_trigger", "is required");
            }
            return triggers.create(r.getRepruneTrigger(), r.getRepruneTriggerId());
        });
    }

    @Override
    @Blocking
    public Uni<RepruneTrigger> getRepruneTrigger(GetRepruneTriggerRequest r) {
        return call(() -> triggers.get(Names.triggerId("name", r.getName())));
    }

    @Override
    @Blocking
    public Uni<ListRepruneTriggersResponse> listRepruneTriggers(ListRepruneTriggersRequest r) {
        return call(() -> {
            int size = PageTokens.pageSize(r.getPageSize());
            ListFilter filter = TRIGGER_FILTER.parse(r.getFilter());
            String after = PageTokens.decode(r.getPageToken(), r.getFilter());
            Map<String, Object> eq = new LinkedHashMap<>();
            filter.equals().forEach((k, v) -> eq.put(k, "enabled".equals(k) ? (Object) Boolean.valueOf(v) : v));
            if (eq.containsKey("alias")) {
                eq.put("alias", Triggers.bareAlias(eq.get("alias").toString()));
            }
            List<RepruneTrigger> rows = triggerRepo.list(size + 1, after, eq);
            ListRepruneTriggersResponse.Builder b = ListRepruneTriggersResponse.newBuilder();
            rows.stream().limit(size).forEach(b::addRepruneTriggers);
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(Names.triggerId("name", rows.get(size - 1).getName()), r.getFilter()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public Uni<RepruneTrigger> updateRepruneTrigger(UpdateRepruneTriggerRequest r) {
        return call(() -> {
            if (!r.hasRepruneTrigger()) {
                throw PlatformException.invalid("reprune_trigger", "is required");
            }
            String id = Names.triggerId("reprune_trigger.name", r.getRepruneTrigger().getName());
            return triggers.update(id, r.getRepruneTrigger(), new ArrayList<>(r.getUpdateMask().getPathsList()));
        });
    }

    @Override
    @Blocking
    public Uni<Empty> deleteRepruneTrigger(DeleteRepruneTriggerRequest r) {
        return call(() -> {
            triggers.delete(Names.triggerId("name", r.getName()));
            return Empty.getDefaultInstance();
        });
    }

    /** The request's names, checked before the request id is looked up (its other fields when the job is made). */
    private static void checkNames(CreatePruneJobRequest r) {
        if (!r.getPruneJobId().isEmpty()) {
            Names.checkId("prune_job_id", r.getPruneJobId());
        }
        PruneJob j = r.getPruneJob();
        if (!j.getModelVersion().isEmpty()) {
            Names.modelOf("prune_job.model_version", j.getModelVersion());
        }
        if (!j.getTargetModel().isEmpty()) {
            Names.checkModel("prune_job.target_model", j.getTargetModel());
        }
    }

    private Stored find(String id) {
        return jobs.find(id).orElseThrow(() -> PlatformException.notFound(Names.job(id)));
    }

    private static <T> Uni<T> call(Supplier<T> work) {
        return GrpcCalls.call(work, PruningGrpcService::status);
    }

    /** Canonical gRPC status for an error, with the message naming what was wrong. */
    static Throwable status(Throwable e) {
        return GrpcCalls.status(e, PruningGrpcService::classify, LOG);
    }

    private static PlatformException classify(Throwable e) {
        return Failures.classify(e);
    }
}
