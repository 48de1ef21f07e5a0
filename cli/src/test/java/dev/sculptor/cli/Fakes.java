package dev.sculptor.cli;

import com.google.protobuf.Empty;
import dev.sculptor.api.v1.CancelPruneJobRequest;
import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.CreateRepruneTriggerRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DeleteRepruneTriggerRequest;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListPruneJobsResponse;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruningGrpc;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.UpdateRepruneTriggerRequest;
import dev.sculptor.api.v1.WatchPruneJobRequest;
import dev.sculptor.api.v1.WatchTrainingRunRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Scripted fakes of the services for client tests: they record requests and answer what the test set up. */
final class Fakes {
    private Fakes() {}

    /** A watch stream: these messages, then the end (or this error). */
    record Stream<T>(List<T> messages, Status error) {
        static <T> Stream<T> of(List<T> messages) {
            return new Stream<>(messages, null);
        }
    }

    static <T> void play(Stream<T> s, StreamObserver<T> obs) {
        s.messages().forEach(obs::onNext);
        if (s.error() != null) {
            obs.onError(s.error().asRuntimeException());
        } else {
            obs.onCompleted();
        }
    }

    static <T> void answer(T value, StreamObserver<T> obs) {
        obs.onNext(value);
        obs.onCompleted();
    }

    static final class Pruning extends PruningGrpc.PruningImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        /** Jobs by name, for Get and Cancel; CreatePruneJob answers with {@code created}. */
        final Map<String, PruneJob> jobs = new ConcurrentHashMap<>();
        PruneJob created = PruneJob.newBuilder().setName("pruneJobs/j1").setState(PruneJob.State.PENDING).build();
        /** One script per WatchPruneJob call, in order; the last repeats. */
        final List<Stream<PruneJobEvent>> watches = new ArrayList<>();
        /** ListPruneJobs pages, keyed by page token. */
        final Map<String, ListPruneJobsResponse> pages = new ConcurrentHashMap<>();
        private int watched;

        @Override
        public void createPruneJob(CreatePruneJobRequest r, StreamObserver<PruneJob> obs) {
            requests.add(r);
            answer(r.getPruneJob().toBuilder().mergeFrom(created).build(), obs);
        }

        @Override
        public void getPruneJob(GetPruneJobRequest r, StreamObserver<PruneJob> obs) {
            requests.add(r);
            PruneJob j = jobs.get(r.getName());
            if (j == null) {
                obs.onError(Status.NOT_FOUND.withDescription(r.getName() + " not found").asRuntimeException());
            } else {
                answer(j, obs);
            }
        }

        @Override
        public void listPruneJobs(ListPruneJobsRequest r, StreamObserver<ListPruneJobsResponse> obs) {
            requests.add(r);
            answer(pages.getOrDefault(r.getPageToken(), ListPruneJobsResponse.getDefaultInstance()), obs);
        }

        @Override
        public void cancelPruneJob(CancelPruneJobRequest r, StreamObserver<PruneJob> obs) {
            requests.add(r);
            obs.onError(Status.FAILED_PRECONDITION.withDescription(r.getName() + " has ended (SUCCEEDED)").asRuntimeException());
        }

        @Override
        public synchronized void watchPruneJob(WatchPruneJobRequest r, StreamObserver<PruneJobEvent> obs) {
            requests.add(r);
            play(watches.get(Math.min(watched++, watches.size() - 1)), obs);
        }

        @Override
        public void createRepruneTrigger(CreateRepruneTriggerRequest r, StreamObserver<RepruneTrigger> obs) {
            requests.add(r);
            answer(r.getRepruneTrigger().toBuilder().setName("repruneTriggers/" + (r.getRepruneTriggerId().isEmpty() ? "t1"
                    : r.getRepruneTriggerId())).build(), obs);
        }

        @Override
        public void updateRepruneTrigger(UpdateRepruneTriggerRequest r, StreamObserver<RepruneTrigger> obs) {
            requests.add(r);
            answer(r.getRepruneTrigger(), obs);
        }

        @Override
        public void deleteRepruneTrigger(DeleteRepruneTriggerRequest r, StreamObserver<Empty> obs) {
            requests.add(r);
            answer(Empty.getDefaultInstance(), obs);
        }

        <T> List<T> requests(Class<T> type) {
            return requests.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    static final class Training extends TrainingGrpc.TrainingImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        TrainingRun created = TrainingRun.newBuilder().setName("trainingRuns/r1").setState(TrainingRun.State.QUEUED).build();
        Stream<TrainingRun> watch = Stream.of(List.of());

        @Override
        public void createTrainingRun(CreateTrainingRunRequest r, StreamObserver<TrainingRun> obs) {
            requests.add(r);
            answer(r.getTrainingRun().toBuilder().mergeFrom(created).build(), obs);
        }

        @Override
        public void getTrainingRun(GetTrainingRunRequest r, StreamObserver<TrainingRun> obs) {
            requests.add(r);
            List<TrainingRun> m = watch.messages();
            answer(m.isEmpty() ? created : m.get(m.size() - 1), obs);
        }

        @Override
        public void cancelTrainingRun(CancelTrainingRunRequest r, StreamObserver<TrainingRun> obs) {
            requests.add(r);
            answer(created.toBuilder().setState(TrainingRun.State.CANCELLED).build(), obs);
        }

        @Override
        public void watchTrainingRun(WatchTrainingRunRequest r, StreamObserver<TrainingRun> obs) {
            requests.add(r);
            play(watch, obs);
        }

        <T> List<T> requests(Class<T> type) {
            return requests.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    static final class Registry extends ModelRegistryGrpc.ModelRegistryImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        final Map<String, Model> models = new ConcurrentHashMap<>();
        ModelVersion nextVersion = ModelVersion.newBuilder().setName("models/fashion-lenet/versions/1").setVersionNumber(1).build();
        GetLineageResponse lineage = GetLineageResponse.getDefaultInstance();

        @Override
        public void getModel(GetModelRequest r, StreamObserver<Model> obs) {
            requests.add(r);
            Model m = models.get(r.getName());
            if (m == null) {
                obs.onError(Status.NOT_FOUND.withDescription(r.getName() + " not found").asRuntimeException());
            } else {
                answer(m, obs);
            }
        }

        @Override
        public void createModel(CreateModelRequest r, StreamObserver<Model> obs) {
            requests.add(r);
            Model m = r.getModel().toBuilder().setName("models/" + r.getModelId()).build();
            models.put(m.getName(), m);
            answer(m, obs);
        }

        @Override
        public void createVersion(CreateVersionRequest r, StreamObserver<ModelVersion> obs) {
            requests.add(r);
            answer(nextVersion.toBuilder().setCheckpoint(r.getCheckpoint()).setLineage(r.getLineage()).build(), obs);
        }

        @Override
        public void getLineage(GetLineageRequest r, StreamObserver<GetLineageResponse> obs) {
            requests.add(r);
            answer(lineage, obs);
        }

        <T> List<T> requests(Class<T> type) {
            return requests.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }
}
