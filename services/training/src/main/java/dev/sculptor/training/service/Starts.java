package dev.sculptor.training.service;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.experiment.KeptChannels;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.versions.VersionNames;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.service.RunException.Code;
import java.nio.file.Path;
import java.util.Map;

/**
 * The network a run starts from, built with the engine's {@link Retraining}: fine-tuning (and a
 * plain run of a version) inherits the version's weights; Scratch-E and Scratch-B re-initialise the
 * same architecture with the plan's seed and keep its masks; lottery-ticket rewinds to the
 * {@code init_checkpoint} cut like the pruned model; a bare architecture starts from its seeded
 * initialisation or from {@code init_checkpoint}.
 */
public final class Starts {
    private final CheckpointStore store;

    public Starts(CheckpointStore store) {
        this.store = store;
    }

    /** The store prefix of a numbered version, {@code models/{model}/versions/{n}/}. */
    public static String versionPrefix(String field, String name) {
        VersionNames.Ref ref = null;
        try {
            ref = VersionNames.parse(field, name);
        } catch (PlatformException e) {
            // said below, for numbered names only
        }
        if (ref == null || ref.number() == null) {
            throw RunException.invalid(field, "'" + name + "' is not a numbered version name of the form models/{model}/versions/{n}");
        }
        return ref.prefix();
    }

    /** The store prefix of a checkpoint reference, which must be in this service's bucket. */
    public String refPrefix(String field, CheckpointRef ref) {
        String uri = ref.getUri();
        String ours = "s3://" + store.bucket() + "/";
        if (!uri.startsWith(ours) || uri.length() == ours.length()) {
            throw RunException.invalid(field, "'" + uri + "' is not a checkpoint in this service's bucket (" + ours + "<prefix>/)");
        }
        String prefix = uri.substring(ours.length());
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** Checks what can be checked before any download. */
    public void validate(TrainingRequested r) {
        validate(r, "");
    }

    /**
     * As {@link #validate(TrainingRequested)}, naming fields below {@code prefix} in errors.
     *
     * @param prefix where the request's fields are in the caller's message, e.g. {@code training_run.}
     */
    public void validate(TrainingRequested r, String prefix) {
        if (r.hasArch()) {
            try {
                Mapper.arch(r.getArch());
            } catch (IllegalArgumentException e) {
                // the engine's message starts with "arch"
                throw new RunException(Code.INVALID_ARGUMENT, prefix + e.getMessage(), e);
            }
        } else if (!r.getModelVersion().isEmpty()) {
            versionPrefix(prefix + "model_version", r.getModelVersion());
        } else {
            throw RunException.invalid(prefix + "source", "give model_version (models/{model}/versions/{n}) or arch");
        }
        if (r.hasInitCheckpoint()) {
            refPrefix(prefix + "init_checkpoint.uri", r.getInitCheckpoint());
        } else if (r.getRetrainMode() == RetrainMode.LOTTERY_TICKET) {
            throw RunException.invalid(prefix + "init_checkpoint", "LOTTERY_TICKET rewinds to the baseline's initial weights: give "
                    + "their checkpoint");
        }
        if (r.getRetrainMode() == RetrainMode.UNRECOGNIZED) {
            throw RunException.invalid(prefix + "retrain_mode", "unknown value " + r.getRetrainModeValue());
        }
        if (r.getDataset().getUri().isBlank()) {
            throw RunException.invalid(prefix + "dataset.uri", "is required, e.g. fashion-mnist or cifar10:s3://bucket/prefix");
        }
        if (r.getDataset().getTrainSubset() < 0 || r.getDataset().getTestSubset() < 0) {
            throw RunException.invalid(prefix + "dataset", "train_subset and test_subset must be >= 0");
        }
    }

    /**
     * Builds the start network; checkpoints are downloaded under {@code work}.
     *
     * @param seed the plan's seed (initialisation of the scratch modes and of bare architectures)
     */
    public Network start(TrainingRequested r, long seed, Path work) {
        if (r.hasArch()) {
            ArchSpec spec = Mapper.arch(r.getArch());
            if (!r.hasInitCheckpoint()) {
                return Network.create(spec, seed);
            }
            Network init = loadRef(r.getInitCheckpoint(), work.resolve("init"));
            if (!init.spec().withName(spec.name()).equals(spec)) {
                String other = init.spec().name();
                init.close();
                throw new RunException(Code.FAILED_PRECONDITION, "init_checkpoint " + r.getInitCheckpoint().getUri() + " holds "
                        + "architecture " + other + ", not the requested arch " + spec.name());
            }
            return init;
        }
        String prefix = versionPrefix("model_version", r.getModelVersion());
        try (Network source = load(prefix, work.resolve("source"))) {
            RetrainMode mode = r.getRetrainMode();
            switch (mode) {
                case SCRATCH_E:
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.SCRATCH_E, source, seed);
                case SCRATCH_B:
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.SCRATCH_B, source, seed);
                case LOTTERY_TICKET:
                    return lotteryTicket(r, source, seed, work);
                default:
                    // FINE_TUNE, and a plain run of a version: continue from its weights (and masks)
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.FINE_TUNE, source, seed);
            }
        }
    }

    private Network lotteryTicket(TrainingRequested r, Network pruned, long seed, Path work) {
        try (Network init = loadRef(r.getInitCheckpoint(), work.resolve("init"))) {
            Map<String, int[]> kept;
            if (init.spec().withName(pruned.spec().name()).equals(pruned.spec())) {
                kept = Map.of(); // the same architecture (weight-level pruning): nothing was cut
            } else {
                // which channels the pruning kept: recovered from the trained unpruned parent of the pruned version
                String parent = parentOf(pruned, work);
                try (Network original = load(versionPrefix("the pruned version's lineage parent", parent), work.resolve("parent"))) {
                    kept = KeptChannels.recover(original, pruned);
                }
            }
            return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.LOTTERY_TICKET, pruned, seed, init, kept);
        }
    }

    private String parentOf(Network pruned, Path work) {
        var m = dev.sculptor.engine.checkpoint.CheckpointDir.readManifest(work.resolve("source"));
        if (m.lineage() == null || m.lineage().parent() == null) {
            throw new RunException(Code.FAILED_PRECONDITION, "LOTTERY_TICKET: the pruned model (" + pruned.spec().name() + ") has "
                    + "another architecture than init_checkpoint and its manifest names no parent version to tell which "
                    + "channels were kept");
        }
        return m.lineage().parent();
    }

    /** A referenced checkpoint; when the reference carries the manifest's digest, another manifest is refused. */
    Network loadRef(CheckpointRef ref, Path dir) {
        String prefix = refPrefix("init_checkpoint.uri", ref);
        if (!ref.getManifestSha256().isEmpty()) {
            store.getDirectory(prefix, dir);
            String actual = CheckpointStore.sha256(dir.resolve("manifest.json"));
            if (!actual.equalsIgnoreCase(ref.getManifestSha256())) {
                throw new RunException(Code.FAILED_PRECONDITION, store.uri(prefix + "manifest.json") + " has SHA-256 " + actual
                        + " but init_checkpoint.manifest_sha256 is " + ref.getManifestSha256());
            }
        }
        return load(prefix, dir);
    }

    /** Downloads a checkpoint and loads it (verifying every part), naming the stored objects in errors. */
    public Network load(String prefix, Path dir) {
        store.getDirectory(prefix, dir);
        try {
            return ModelCheckpoint.load(dir).network();
        } catch (CheckpointException e) {
            throw new CheckpointException(rename(e.getMessage(), dir, store.uri(prefix)), e);
        }
    }

    /** A message about a local copy, naming the stored objects instead. */
    public static String rename(String message, Path dir, String uri) {
        String where = uri.endsWith("/") ? uri : uri + "/";
        return message.replace(dir + "/", where).replace(dir.toString(), where);
    }
}
