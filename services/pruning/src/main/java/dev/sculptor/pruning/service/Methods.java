package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.prune.MethodDef;
import dev.sculptor.engine.prune.MethodSettings;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.errors.PlatformException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The contract's {@code MethodSpec} as one of the engine's methods: the enum maps to the engine's registry
 * ({@link MethodDef}) by name, and everything about a method (its id, whether it is scored ahead, whether it samples
 * data, its presets and defaults) is the registry's. This class only names the request's fields in errors.
 */
public final class Methods {
    private Methods() {}

    /** The engine's entry for a contract method; empty for an unset or unknown value. */
    static Optional<MethodDef> def(PruningMethod m) {
        return MethodDef.find(m.name());
    }

    /** Whether the job asks the scoring service first. */
    public static boolean scored(PruningMethod m) {
        return def(m).map(MethodDef::scoredAhead).orElse(true);
    }

    /** The engine's id of a method, as recorded in lineage, e.g. {@code l1-norm}. */
    public static String id(PruningMethod m) {
        return def(m).map(MethodDef::id).orElse(m.name());
    }

    /** Checks a request's method without building anything; names the field at fault. */
    public static void validate(MethodSpec s) {
        PruningMethod m = s.getMethod();
        if (m == PruningMethod.PRUNING_METHOD_UNSPECIFIED) {
            List<String> names = Stream.of(MethodDef.values()).map(MethodDef::name).toList();
            throw PlatformException.invalid("method.method", "is required (" + String.join(", ", names.subList(0, names.size() - 1))
                    + " or " + names.get(names.size() - 1) + ")");
        }
        MethodDef def = def(m).orElseThrow(() -> PlatformException.invalid("method.method", "unknown value " + s.getMethodValue()));
        if (s.hasRatio() && !(s.getRatio() >= 0 && s.getRatio() < 1)) {
            throw PlatformException.invalid("method.ratio", "must be in [0, 1), got " + s.getRatio());
        }
        s.getRatiosMap().forEach((k, v) -> {
            if (!(v >= 0 && v < 1)) {
                throw PlatformException.invalid("method.ratios[" + k + "]", "must be in [0, 1), got " + v);
            }
        });
        if (s.hasPercent() && !(s.getPercent() >= 0 && s.getPercent() < 1)) {
            throw PlatformException.invalid("method.percent", "must be in [0, 1), got " + s.getPercent());
        }
        if (s.hasPercent() && def.amount() == MethodDef.Amount.PERCENT && !def.takesPercent()) {
            throw PlatformException.precondition("method.percent: the engine's Sparse Structure Selection removes the blocks whose "
                    + "trained scales are zero, or keeps a preset depth (" + def.presets() + "), not a percent");
        }
        if (!s.getPreset().isBlank() && def.presets().isEmpty()) {
            throw PlatformException.invalid("method.preset", "method " + m + " has no presets");
        }
        try {
            // builds the data-free methods to let the engine check presets and ranges (data-driven ones check the same fields)
            create(s, () -> null);
        } catch (IllegalArgumentException e) {
            throw PlatformException.invalid("method", e.getMessage());
        }
    }

    /**
     * The engine method for a request, with the contract's defaults.
     *
     * @param train the training split, loaded only by the data-driven methods
     * @return null for a data-driven method when {@code train} gives no data (validation)
     */
    public static dev.sculptor.engine.prune.PruningMethod create(MethodSpec s, Supplier<ImageDataset> train) {
        return create(s, null, train);
    }

    /**
     * The engine method for a request on a network of {@code arch}: an unset sparsity lambda is the engine's default for
     * the architecture ({@link MethodDef#defaultLambda}: slimming 1e-4 for VGG, ResNet and LeNet, 1e-5 for PreResNet
     * and DenseNet), so that a job and the engine's own commands agree.
     *
     * @param arch the network to prune; null where it is not known yet (validation), then the contract's 1e-4
     */
    public static dev.sculptor.engine.prune.PruningMethod create(MethodSpec s, ArchSpec arch, Supplier<ImageDataset> train) {
        MethodDef def = MethodDef.byName(s.getMethod().name());
        MethodSettings settings = MethodSettings.ofContract(def, arch, s.getPreset(), s.hasRatio() ? s.getRatio() : null, s.getRatiosMap(),
                s.getSkipList(), s.hasPercent() ? s.getPercent() : null, s.hasSparsityLambda() ? s.getSparsityLambda() : null,
                s.getIncludeLinear());
        if (def.needsData()) {
            // validation passes no data: the data-driven methods check the same fields as the others
            ImageDataset data = train.get();
            return data == null ? null : def.create(settings, () -> data);
        }
        return def.create(settings, train);
    }

    /**
     * What the request's method decides about a trained network (scores, kept channels, removed blocks or masks);
     * {@link #apply} carries it out.
     *
     * @param train the training split, loaded only by the data-driven methods
     */
    public static PrunePlan plan(MethodSpec s, Network trained, Supplier<ImageDataset> train) {
        dev.sculptor.engine.prune.PruningMethod method = create(s, trained.spec(), train);
        if (method == null) {
            throw PlatformException.precondition(id(s.getMethod()) + " samples training data: the job's dataset gave none");
        }
        return method.plan(trained);
    }

    /** The pruned network: {@code trained} (the network the plan was made on, or the same checkpoint loaded again) cut. */
    public static Network apply(PrunePlan plan, Network trained) {
        return plan.apply(trained);
    }
}
