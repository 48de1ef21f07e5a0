package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.awaitPayloads;
import static dev.sculptor.pruning.Fixtures.awaitProcessed;
import static dev.sculptor.pruning.Fixtures.header;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import dev.sculptor.api.v1.CreateRepruneTriggerRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.DeleteRepruneTriggerRequest;
import dev.sculptor.api.v1.GetRepruneTriggerRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListRepruneTriggersRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.UpdateRepruneTriggerRequest;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.pruning.events.PruningWorker;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Re-prune triggers fed by the registry's VersionRegistered and AliasMoved events (from {@link FakeRegistry}). */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class RepruneTriggerTest extends PruningTestBase {
    @Inject
    PruningWorker worker;

    static RepruneTrigger.Builder trigger(String model) {
        return RepruneTrigger.newBuilder().setModel("models/" + model).setEnabled(true)
                .setTemplate(l1Job("").addRetrainModes(RetrainMode.FINE_TUNE));
    }

    static List<PruneJob> jobsOf(Clients c, String trigger) {
        return c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                .setFilter("reprune_trigger = \"" + trigger + "\"").build()).getPruneJobsList();
    }

    static RepruneTrigger getTrigger(Clients c, String name) {
        return c.pruning("read-token").getRepruneTrigger(GetRepruneTriggerRequest.newBuilder().setName(name).build());
    }

    /** The registry's VersionRegistered record for a version, once its outbox published it. */
    static ConsumerRecord<byte[], byte[]> registered(String version) {
        String model = version.substring(0, version.indexOf("/versions/"));
        ConsumerRecord<byte[], byte[]>[] found = new ConsumerRecord[1];
        Fixtures.await("VersionRegistered of " + version, () -> {
            for (ConsumerRecord<byte[], byte[]> r : Fixtures.records(Topics.REGISTRY_EVENTS, model)) {
                if ("sculptor.v1.VersionRegistered".equals(header(r, "ce_type")) && version.equals(header(r, "ce_subject"))) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Test
    void aTriggerFiresOnceOnEachNewBaselineAndNeverOnItsOwnResults() throws Exception {
        String model = Fixtures.unique("trg");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String triggerId = Fixtures.unique("trg");
            RepruneTrigger t = c.pruning("write-token").createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder()
                    .setRepruneTrigger(trigger(model)).setRepruneTriggerId(triggerId).build());
            String name = "repruneTriggers/" + triggerId;
            assertEquals(name, t.getName());
            assertTrue(t.getEnabled());
            assertEquals("", t.getTemplate().getModelVersion());
            assertEquals("", t.getLastPruneJob());
            assertTrue(t.hasCreateTime());

            // a new baseline: the registry publishes VersionRegistered and the trigger starts one job on it
            ModelVersion v1 = Fixtures.registerBaseline(c, store, tmp, model, 21);
            ConsumerRecord<byte[], byte[]> event = registered(v1.getName());
            String ceId = header(event, "ce_id");
            Fixtures.await("a job started by " + name, () -> !jobsOf(c, name).isEmpty());
            List<PruneJob> jobs = jobsOf(c, name);
            assertEquals(1, jobs.size(), jobs.toString());
            PruneJob job = jobs.get(0);
            assertEquals(v1.getName(), job.getModelVersion());
            assertEquals(name, job.getRepruneTrigger());
            assertEquals(ceId, job.getTriggerEventId());
            assertEquals(PruneJob.State.SCORING, job.getState());
            assertEquals(List.of(RetrainMode.FINE_TUNE), job.getRetrainModesList());
            assertEquals(job.getName(), getTrigger(c, name).getLastPruneJob());
            PruneJobStateChanged started = awaitPayloads(Topics.PRUNING_EVENTS, job.getName(), PruneJobStateChanged.parser(),
                    PruneJobStateChanged.getDefaultInstance(), 1, e -> true).get(0);
            assertEquals(name, started.getRepruneTrigger());

            // the same record delivered again: the consumer drops its id
            long duplicates = worker.consumer().duplicates();
            publisher.send(new ProducerRecord<>(Topics.REGISTRY_EVENTS, null, Fixtures.key(event), event.value(), event.headers()));
            Fixtures.await("the redelivered VersionRegistered counted as a duplicate",
                    () -> worker.consumer().duplicates() > duplicates);
            assertEquals(1, jobsOf(c, name).size());

            // The same payload under a new ce_id is another event as far as CloudEvents go (the registry's
            // outbox republishes an event with its id, never under a new one), and the job id derives
            // from (trigger, ce_id): the trigger starts a second job on the same version.
            EventEnvelope copy = Fixtures.envelope(VersionRegistered.parseFrom(event.value()), v1.getName(), "models/" + model);
            publisher.publish(Topics.REGISTRY_EVENTS, copy);
            awaitProcessed(ds, copy.id());
            jobs = jobsOf(c, name);
            assertEquals(2, jobs.size(), jobs.toString());
            PruneJob second = jobs.get(0);
            assertNotEquals(job.getName(), second.getName());
            assertEquals(copy.id(), second.getTriggerEventId());
            assertEquals(v1.getName(), second.getModelVersion());
            assertEquals(second.getName(), getTrigger(c, name).getLastPruneJob());

            // a version a prune job registered does not fire
            ModelVersion pruned;
            try (Network net = Network.create(Fixtures.LENET, 22)) {
                pruned = Fixtures.registerBaseline(c, store, tmp, model, net, Lineage.newBuilder().setParentVersion(v1.getName())
                        .setPruneJob(job.getName()).setMethod("l1-norm").build());
            }
            awaitProcessed(ds, header(registered(pruned.getName()), "ce_id"));
            assertEquals(2, jobsOf(c, name).size());

            // disabled through an update of `enabled` only, it does not fire either
            RepruneTrigger off = c.pruning("write-token").updateRepruneTrigger(UpdateRepruneTriggerRequest.newBuilder()
                    .setRepruneTrigger(RepruneTrigger.newBuilder().setName(name).setEnabled(false).setModel("models/other"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build());
            assertFalse(off.getEnabled());
            assertEquals("models/" + model, off.getModel(), "fields outside the mask stay");
            assertEquals(t.getTemplate(), off.getTemplate());
            assertFalse(getTrigger(c, name).getEnabled());
            ModelVersion v3 = Fixtures.registerBaseline(c, store, tmp, model, 23);
            awaitProcessed(ds, header(registered(v3.getName()), "ce_id"));
            assertEquals(2, jobsOf(c, name).size());
            List<RepruneTrigger> disabled = c.pruning("read-token").listRepruneTriggers(ListRepruneTriggersRequest.newBuilder()
                    .setFilter("model = \"models/" + model + "\" AND enabled = false").build()).getRepruneTriggersList();
            assertEquals(List.of(name), disabled.stream().map(RepruneTrigger::getName).toList());

            StatusRuntimeException badMask = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .updateRepruneTrigger(UpdateRepruneTriggerRequest.newBuilder().setRepruneTrigger(RepruneTrigger.newBuilder()
                            .setName(name).setModel("models/other")).setUpdateMask(FieldMask.newBuilder().addPaths("model")).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, badMask.getStatus().getCode());

            // deleting needs the admin role; afterwards the trigger is gone, its jobs are not
            StatusRuntimeException notAdmin = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .deleteRepruneTrigger(DeleteRepruneTriggerRequest.newBuilder().setName(name).build()));
            assertEquals(Status.Code.PERMISSION_DENIED, notAdmin.getStatus().getCode());
            c.pruning("admin-token").deleteRepruneTrigger(DeleteRepruneTriggerRequest.newBuilder().setName(name).build());
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> getTrigger(c, name));
            assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
            StatusRuntimeException twice = assertThrows(StatusRuntimeException.class, () -> c.pruning("admin-token")
                    .deleteRepruneTrigger(DeleteRepruneTriggerRequest.newBuilder().setName(name).build()));
            assertEquals(Status.Code.NOT_FOUND, twice.getStatus().getCode());
            assertEquals(2, jobsOf(c, name).size());
        }
    }

    @Test
    void anAliasTriggerFiresWhenItsAliasMovesToAnotherVersion() throws Exception {
        String model = Fixtures.unique("trg");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            ModelVersion v1 = Fixtures.registerBaseline(c, store, tmp, model, 31);
            String triggerId = Fixtures.unique("trg");
            String name = "repruneTriggers/" + triggerId;
            RepruneTrigger t = c.pruning("write-token").createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder()
                    .setRepruneTrigger(trigger(model).setAlias("models/" + model + "/aliases/production"))
                    .setRepruneTriggerId(triggerId).build());
            assertEquals("production", t.getAlias(), "kept in its bare form");

            // a new version alone does not fire an alias trigger
            ModelVersion v2 = Fixtures.registerBaseline(c, store, tmp, model, 32);
            awaitProcessed(ds, header(registered(v2.getName()), "ce_id"));
            assertTrue(jobsOf(c, name).isEmpty());

            // another alias does not either; moving `production` does, on the version it now names
            c.registry().setAlias(SetAliasRequest.newBuilder().setName("models/" + model + "/aliases/staging").setVersion(v1.getName())
                    .build());
            c.registry().setAlias(SetAliasRequest.newBuilder().setName("models/" + model + "/aliases/production")
                    .setVersion(v2.getName()).build());
            Fixtures.await("a job started by " + name, () -> !jobsOf(c, name).isEmpty());
            List<PruneJob> jobs = jobsOf(c, name);
            assertEquals(1, jobs.size(), jobs.toString());
            assertEquals(v2.getName(), jobs.get(0).getModelVersion());
            assertFalse(jobs.get(0).getTriggerEventId().isEmpty());
        }
    }

    @Test
    void triggersAreValidated() throws Exception {
        try (Clients c = new Clients(url.getPort(), registry)) {
            StatusRuntimeException noModel = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x").setModel("x"))
                            .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, noModel.getStatus().getCode());
            assertTrue(noModel.getStatus().getDescription().startsWith("reprune_trigger.model"), noModel.getStatus().getDescription());
            StatusRuntimeException noMethod = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x")
                            .setTemplate(l1Job("").clearMethod())).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, noMethod.getStatus().getCode());
            assertEquals("reprune_trigger.template.method: is required", noMethod.getStatus().getDescription());
            // a template's dataset and plan are checked as a job's are: every job it starts would carry them
            StatusRuntimeException passwd = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x")
                            .setTemplate(l1Job("").setDataset(DatasetRef.newBuilder().setUri("file:/etc/passwd")))).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, passwd.getStatus().getCode());
            assertTrue(passwd.getStatus().getDescription().startsWith("dataset 'file:/etc/passwd': file: datasets are not enabled"),
                    passwd.getStatus().getDescription());
            StatusRuntimeException epochs = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x")
                            .setTemplate(l1Job("").setPlan(TrainingPlan.newBuilder().setEpochs(100000)))).build()));
            assertEquals("reprune_trigger.template.plan.epochs: must be at most 1600 (this service's maximum), got 100000",
                    epochs.getStatus().getDescription());
            String id = Fixtures.unique("trg");
            c.pruning("write-token").createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x"))
                    .setRepruneTriggerId(id).build());
            StatusRuntimeException taken = assertThrows(StatusRuntimeException.class, () -> c.pruning("write-token")
                    .createRepruneTrigger(CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(trigger("x"))
                            .setRepruneTriggerId(id).build()));
            assertEquals(Status.Code.ALREADY_EXISTS, taken.getStatus().getCode());
            c.pruning("admin-token").deleteRepruneTrigger(DeleteRepruneTriggerRequest.newBuilder().setName("repruneTriggers/" + id)
                    .build());
        }
    }
}
