package dev.sculptor.training.service;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.experiment.KeptChannels;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.versions.VersionCheckout;
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
        return VersionName.parseNumbered(field, name).prefix();
    }

    /** The store prefix of a checkpoint reference, which must be in this service's bucket. */
    public String refPrefix(String field, CheckpointRef ref) {
        String uri = ref.getUri();
        String ours = "s3://" + store.bucket() + "/";
        if (!uri.startsWith(ours) || uri.length() == ours.length()) {
            throw PlatformException.invalid(field, "'" + uri + "' is not a checkpoint in this service's bucket (" + ours + "<prefix>/)");
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
                EngineProto.arch(r.getArch());
            } catch (IllegalArgumentException e) {
                // the engine's message starts with "arch"
                throw new PlatformException(Code.INVALID_ARGUMENT, prefix + e.getMessage(), e);
            }
        } else if (!r.getModelVersion().isEmpty()) {
            versionPrefix(prefix + "model_version", r.getModelVersion());
        } else {
            throw PlatformException.invalid(prefix + "source", "give model_version (models/{model}/versions/{n}) or arch");
        }
        if (r.hasInitCheckpoint()) {
            refPrefix(prefix + "init_checkpoint.uri", r.getInitCheckpoint());
        } else if (r.getRetrainMode() == RetrainMode.LOTTERY_TICKET) {
            throw PlatformException.invalid(prefix + "init_checkpoint", "LOTTERY_TICKET rewinds to the baseline's initial weights: give "
                    + "their checkpoint");
        }
        if (r.getRetrainMode() == RetrainMode.UNRECOGNIZED) {
            throw PlatformException.invalid(prefix + "retrain_mode", "unknown value " + r.getRetrainModeValue());
        }
        if (r.getDataset().getUri().isBlank()) {
            throw PlatformException.invalid(prefix + "dataset.uri", "is required, e.g. fashion-mnist or cifar10:s3://bucket/prefix");
        }
        if (r.getDataset().getTrainSubset() < 0 || r.getDataset().getTestSubset() < 0) {
            throw PlatformException.invalid(prefix + "dataset", "train_subset and test_subset must be >= 0");
        }
    }

    /**
     * Builds the start network; checkpoints are checked out under {@code work}.
     *
     * @param seed the plan's seed (initialisation of the scratch modes and of bare architectures)
     */
    public Network start(TrainingRequested r, long seed, Path work) {
        if (r.hasArch()) {
            ArchSpec spec = EngineProto.arch(r.getArch());
            if (!r.hasInitCheckpoint()) {
                return Network.create(spec, seed);
            }
            try (VersionCheckout init = checkoutRef(r.getInitCheckpoint(), work.resolve("init"))) {
                if (!init.network().spec().withName(spec.name()).equals(spec)) {
                    throw PlatformException.precondition("init_checkpoint " + r.getInitCheckpoint().getUri() + " holds "
                            + "architecture " + init.network().spec().name() + ", not the requested arch " + spec.name());
                }
                return init.takeNetwork();
            }
        }
        String prefix = versionPrefix("model_version", r.getModelVersion());
        try (VersionCheckout source = VersionCheckout.open(store, prefix, null, null, work.resolve("source"))) {
            RetrainMode mode = r.getRetrainMode();
            switch (mode) {
                case SCRATCH_E:
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.SCRATCH_E, source.network(), seed);
                case SCRATCH_B:
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.SCRATCH_B, source.network(), seed);
                case LOTTERY_TICKET:
                    return lotteryTicket(r, source, seed, work);
                default:
                    // FINE_TUNE, and a plain run of a version: continue from its weights (and masks)
                    return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.FINE_TUNE, source.network(), seed);
            }
        }
    }

    private Network lotteryTicket(TrainingRequested r, VersionCheckout source, long seed, Path work) {
        Network pruned = source.network();
        try (VersionCheckout init = checkoutRef(r.getInitCheckpoint(), work.resolve("init"))) {
            Map<String, int[]> kept;
            if (init.network().spec().withName(pruned.spec().name()).equals(pruned.spec())) {
                kept = Map.of(); // the same architecture (weight-level pruning): nothing was cut
            } else {
                // which channels the pruning kept: recovered from the trained unpruned parent of the pruned version
                String parent = parentOf(source);
                try (VersionCheckout original = VersionCheckout.open(store, versionPrefix("the pruned version's lineage parent", parent),
                        null, null, work.resolve("parent"))) {
                    kept = KeptChannels.recover(original.network(), pruned);
                }
            }
            return Retraining.start(dev.sculptor.engine.experiment.RetrainMode.LOTTERY_TICKET, pruned, seed, init.network(), kept);
        }
    }

    private static String parentOf(VersionCheckout pruned) {
        var m = pruned.manifest();
        if (m.lineage() == null || m.lineage().parent() == null) {
            throw PlatformException.precondition("LOTTERY_TICKET: the pruned model (" + pruned.network().spec().name() + ") has "
                    + "another architecture than init_checkpoint and its manifest names no parent version to tell which "
                    + "channels were kept");
        }
        return m.lineage().parent();
    }

    /** A referenced checkpoint; when the reference carries the manifest's digest, another manifest is refused. */
    VersionCheckout checkoutRef(CheckpointRef ref, Path dir) {
        String digest = ref.getManifestSha256().isEmpty() ? null : ref.getManifestSha256();
        return VersionCheckout.open(store, refPrefix("init_checkpoint.uri", ref), digest, "init_checkpoint.manifest_sha256 is", dir);
    }
}
