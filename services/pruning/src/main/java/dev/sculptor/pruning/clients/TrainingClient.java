package dev.sculptor.pruning.clients;

import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.TrainingGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The training service's Cancel, for cancelled and failed jobs; optional (without it runs finish and are ignored). */
@ApplicationScoped
public class TrainingClient {
    private static final Logger LOG = Logger.getLogger(TrainingClient.class);

    @ConfigProperty(name = "sculptor.training.grpc")
    Optional<String> target;

    // Optional: an empty value (the default `${SCULPTOR_TRAINING_TOKEN:}`) is no value to SmallRye Config
    @ConfigProperty(name = "sculptor.training.token")
    Optional<String> token;

    private ManagedChannel channel;
    private TrainingGrpc.TrainingBlockingStub stub;

    @PostConstruct
    void init() {
        if (target.isPresent() && !target.get().isBlank()) {
            channel = GrpcClients.channel(target.get());
            stub = GrpcClients.withToken(TrainingGrpc.newBlockingStub(channel), token.orElse(""));
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    /** Asks the training service to cancel a run; a run that already ended or was never created is fine. */
    public void cancel(String run) {
        if (stub == null) {
            LOG.infof("%s: not cancelled (sculptor.training.grpc is not set); its result will be ignored", run);
            return;
        }
        try {
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName(run).build());
        } catch (StatusRuntimeException e) {
            Status.Code c = e.getStatus().getCode();
            if (c != Status.Code.FAILED_PRECONDITION && c != Status.Code.NOT_FOUND) {
                LOG.warnf("%s: cancel failed (%s); its result will be ignored", run, e.getStatus());
            }
        }
    }
}
