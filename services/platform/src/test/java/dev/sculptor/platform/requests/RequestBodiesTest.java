package dev.sculptor.platform.requests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.platform.errors.PlatformException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestBodiesTest {
    static CreatePruneJobRequest request(int epochs, String requestId) {
        return CreatePruneJobRequest.newBuilder().setRequestId(requestId).setPruneJob(PruneJob.newBuilder()
                .setModelVersion("models/m/versions/1").addRetrainModes(RetrainMode.FINE_TUNE)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist")).setPlan(TrainingPlan.newBuilder().setEpochs(epochs))).build();
    }

    @Test
    void theSameBodyPassesWhateverTheRequestId() {
        byte[] stored = RequestBodies.body(request(3, "r1"));
        RequestBodies.requireSame("r1", request(3, "r1"), stored);
        RequestBodies.requireSame("r1", request(3, "other"), stored);
        RequestBodies.requireSame("r1", request(4, "r1"), null); // stored before bodies were kept
    }

    @Test
    void anotherBodyIsAlreadyExistsNamingTheFields() throws Exception {
        byte[] stored = RequestBodies.body(request(3, "r1"));
        PlatformException e = assertThrows(PlatformException.class, () -> RequestBodies.requireSame("r1", request(100000, "r1"), stored));
        assertEquals(PlatformException.Code.ALREADY_EXISTS, e.code());
        assertEquals("request_id 'r1' was used for a different request (prune_job.plan.epochs differs); use a new request_id for a "
                + "new request", e.getMessage());

        CreatePruneJobRequest.Builder more = request(3, "r1").toBuilder().setPruneJobId("j");
        more.getPruneJobBuilder().addRetrainModes(RetrainMode.SCRATCH_B).getDatasetBuilder().setUri("cifar10");
        more.getPruneJobBuilder().getPlanBuilder().setScratchBCap(0); // set, though to the default value
        assertEquals(List.of("prune_job.retrain_modes", "prune_job.dataset.uri", "prune_job.plan.scratch_b_cap", "prune_job_id"),
                RequestBodies.differences(CreatePruneJobRequest.parseFrom(stored), more.clearRequestId().build()));
    }

    @Test
    void mapsCompareByContentNotByTheOrderTheClientAddedThem() {
        CreatePruneJobRequest.Builder ab = request(3, "r1").toBuilder();
        ab.getPruneJobBuilder().getMethodBuilder().putRatios("conv1", 0.5).putRatios("conv2", 0.25);
        CreatePruneJobRequest.Builder ba = request(3, "r1").toBuilder();
        ba.getPruneJobBuilder().getMethodBuilder().putRatios("conv2", 0.25).putRatios("conv1", 0.5);
        RequestBodies.requireSame("r1", ba.build(), RequestBodies.body(ab.build()));
        ba.getPruneJobBuilder().getMethodBuilder().putRatios("conv1", 0.75);
        assertEquals(List.of("prune_job.method.ratios"), RequestBodies.differences(ab.build(), ba.build()));
    }
}
