package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.AliasName;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.pruning.clients.RegistryClient;
import dev.sculptor.pruning.saga.Saga;
import dev.sculptor.pruning.service.PruneJobs.Origin;
import dev.sculptor.pruning.store.TriggerRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Re-prune triggers: "when a new version of model M is registered (or alias A of M moves), run this
 * job template on it". Registry events start the jobs; the job's id is derived from the trigger and
 * the event's id and stored with them under a unique index, so a redelivered or duplicated event
 * starts one job. Versions Sculptor registered itself ({@code lineage.prune_job} set) never fire a
 * trigger, so a trigger cannot feed on its own results.
 */
@ApplicationScoped
public class Triggers {
    private static final Logger LOG = Logger.getLogger(Triggers.class);

    @Inject
    TriggerRepository triggers;

    @Inject
    PruneJobs jobs;

    @Inject
    RegistryClient registry;

    public RepruneTrigger create(RepruneTrigger t, String id) {
        if (id == null || id.isEmpty()) {
            id = "r" + Names.newId().substring(1);
        } else {
            Names.checkId("reprune_trigger_id", id);
        }
        Instant now = Instant.now();
        RepruneTrigger checked = validated(t);
        jobs.checkCosts(checked.getTemplate(), "reprune_trigger.template");
        RepruneTrigger stored = checked.toBuilder().setName(Names.trigger(id)).setCreateTime(Saga.ts(now))
                .setUpdateTime(Saga.ts(now)).clearLastPruneJob().build();
        try {
            return triggers.insert(id, stored);
        } catch (PlatformException e) {
            if (e.code() == Code.ALREADY_EXISTS) {
                throw new PlatformException(Code.ALREADY_EXISTS, stored.getName() + " already exists", e);
            }
            throw e;
        }
    }

    public RepruneTrigger get(String id) {
        return triggers.find(id).orElseThrow(() -> PlatformException.notFound(Names.trigger(id)));
    }

    /** Applies the masked fields ({@code alias}, {@code template}, {@code enabled}) of {@code t}. */
    public RepruneTrigger update(String id, RepruneTrigger t, List<String> paths) {
        if (paths.isEmpty()) {
            throw PlatformException.invalid("update_mask", "is required: alias, template, enabled");
        }
        for (String p : paths) {
            if (!List.of("alias", "template", "enabled").contains(p)) {
                throw PlatformException.invalid("update_mask", "'" + p + "' cannot be changed (alias, template, enabled can)");
            }
        }
        if (paths.contains("template")) {
            jobs.checkCosts(t.getTemplate(), "reprune_trigger.template");
        }
        RepruneTrigger[] out = new RepruneTrigger[1];
        boolean found = triggers.update(id, now -> {
            RepruneTrigger.Builder b = now.toBuilder();
            if (paths.contains("alias")) {
                b.setAlias(t.getAlias());
            }
            if (paths.contains("template")) {
                b.setTemplate(t.getTemplate());
            }
            if (paths.contains("enabled")) {
                b.setEnabled(t.getEnabled());
            }
            out[0] = validated(b.setUpdateTime(Saga.ts(Instant.now())).build());
            return out[0];
        });
        if (!found) {
            throw PlatformException.notFound(Names.trigger(id));
        }
        return out[0];
    }

    public void delete(String id) {
        if (!triggers.delete(id)) {
            throw PlatformException.notFound(Names.trigger(id));
        }
    }

    /** {@code production} of {@code models/m/aliases/production}; a bare id as it is. */
    public static String bareAlias(String alias) {
        try {
            return alias.startsWith("models/") ? AliasName.parse("alias", alias).alias() : alias;
        } catch (PlatformException e) {
            return alias; // refused as an alias id by the caller
        }
    }

    /** Checks a trigger; the alias is kept in its bare form ({@code production}). */
    static RepruneTrigger validated(RepruneTrigger t) {
        Names.checkModel("reprune_trigger.model", t.getModel());
        RepruneTrigger.Builder b = t.toBuilder();
        if (!t.getAlias().isEmpty()) {
            String alias = bareAlias(t.getAlias());
            if (!ResourceNames.NEW_ID.matcher(alias).matches()) {
                throw PlatformException.invalid("reprune_trigger.alias", ResourceNames.quote(t.getAlias()) + " is not an alias id ("
                        + ResourceNames.NEW_ID.pattern() + ")");
            }
            b.setAlias(alias);
        }
        if (!t.hasTemplate()) {
            throw PlatformException.invalid("reprune_trigger.template", "is required");
        }
        // the template is checked as the job it starts, on a placeholder version of the watched model
        PruneJob probe = t.getTemplate().toBuilder().setModelVersion(t.getModel() + "/versions/1").build();
        try {
            PruneJobs.validate(probe, "probe", Origin.API);
        } catch (PlatformException e) {
            throw new PlatformException(e.code(), e.getMessage().replace("prune_job.", "reprune_trigger.template."), e);
        }
        return b.setTemplate(t.getTemplate().toBuilder().clearModelVersion().clearName().clearState().clearCandidates()).build();
    }

    /** A version became READY: the model's triggers without an alias fire on it. */
    public void onVersionRegistered(VersionRegistered e, String eventId) {
        ModelVersion v = e.getVersion();
        if (!v.getLineage().getPruneJob().isEmpty()) {
            return; // made by a prune job
        }
        for (RepruneTrigger t : triggers.enabledFor(e.getModel())) {
            if (t.getAlias().isEmpty()) {
                fire(t, v.getName(), eventId);
            }
        }
    }

    /** An alias moved: triggers on that alias fire on the version it points at now. */
    public void onAliasMoved(AliasMoved e, String eventId) {
        if (e.getModelVersion().isEmpty()) {
            return; // deleted
        }
        String alias = bareAlias(e.getAlias());
        List<RepruneTrigger> matching = triggers.enabledFor(e.getModel()).stream().filter(t -> t.getAlias().equals(alias)).toList();
        if (matching.isEmpty()) {
            return;
        }
        ModelVersion v = registry.get(e.getModelVersion());
        if (!v.getLineage().getPruneJob().isEmpty()) {
            return; // promoting a pruned candidate does not prune it again
        }
        for (RepruneTrigger t : matching) {
            fire(t, v.getName(), eventId);
        }
    }

    private void fire(RepruneTrigger t, String version, String eventId) {
        String triggerId = Names.triggerId("reprune_trigger", t.getName());
        PruneJob spec = t.getTemplate().toBuilder().setModelVersion(version).build();
        try {
            var job = jobs.create(spec, Names.triggeredJobId(triggerId, eventId), null, new Origin(t.getName(), eventId));
            LOG.infof("%s fired on %s (event %s): %s", t.getName(), version, eventId, job.job().getName());
        } catch (PlatformException ex) {
            if (ex.code() == Code.ALREADY_EXISTS) {
                LOG.infof("%s: event %s already started its job", t.getName(), eventId);
            } else if (ex.transientFailure()) {
                throw ex; // retried by the consumer
            } else {
                LOG.warnf("%s did not fire on %s (event %s): %s", t.getName(), version, eventId, ex.getMessage());
            }
        }
    }
}
