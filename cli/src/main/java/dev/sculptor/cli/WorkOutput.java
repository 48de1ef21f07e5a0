package dev.sculptor.cli;

import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRun;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Prune jobs, re-prune triggers and training runs for people: key-value views, lists, and one-line updates. */
final class WorkOutput {
    private WorkOutput() {}

    // ------------------------------------------------------------------------------------------------ jobs

    static void job(PrintWriter out, PruneJob j) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", j.getName()});
        if (!j.getDisplayName().isEmpty()) {
            rows.add(new String[] {"display name", j.getDisplayName()});
        }
        rows.add(new String[] {"state", state(j)});
        rows.add(new String[] {"model version", dash(j.getModelVersion())});
        template(rows, j);
        rows.add(new String[] {"pruned version", dash(j.getPrunedVersion())});
        if (!j.getRepruneTrigger().isEmpty()) {
            rows.add(new String[] {"trigger", j.getRepruneTrigger()});
        }
        rows.add(new String[] {"created", Output.time(j.getCreateTime())});
        rows.add(new String[] {"updated", Output.time(j.getUpdateTime())});
        rows.add(new String[] {"ended", Output.time(j.getEndTime())});
        Output.keyValues(out, rows);
        if (j.hasBaselineMetrics() || j.hasPrunedMetrics() || j.getCandidatesCount() > 0) {
            out.println();
            Results.print(out, j);
        }
    }

    static void jobs(PrintWriter out, List<PruneJob> jobs) {
        Output.table(out, "no prune jobs", List.of("NAME", "STATE", "MODEL VERSION", "METHOD", "RETRAIN", "CREATED"), jobs,
                j -> new String[] {j.getName(), j.getState().name(), dash(j.getModelVersion()), method(j.getMethod()),
                    modes(j.getRetrainModesList()), Output.time(j.getCreateTime())});
    }

    /** {@code pruneJobs/abc TRAINING: retraining 3 candidates}. */
    static String jobLine(PruneJob j) {
        return j.getName() + " " + j.getState().name() + (j.getStateMessage().isEmpty() ? "" : ": " + j.getStateMessage());
    }

    static String state(PruneJob j) {
        return j.getState().name() + (j.getStateMessage().isEmpty() ? "" : " (" + j.getStateMessage() + ")");
    }

    static boolean terminal(PruneJob.State s) {
        return s == PruneJob.State.SUCCEEDED || s == PruneJob.State.FAILED || s == PruneJob.State.CANCELLED;
    }

    // ------------------------------------------------------------------------------------------------ triggers

    static void trigger(PrintWriter out, RepruneTrigger t) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", t.getName()});
        rows.add(new String[] {"model", t.getModel()});
        rows.add(new String[] {"fires on", t.getAlias().isEmpty() ? "every new version" : "alias " + t.getAlias() + " moving"});
        rows.add(new String[] {"enabled", Boolean.toString(t.getEnabled())});
        template(rows, t.getTemplate());
        rows.add(new String[] {"last job", dash(t.getLastPruneJob())});
        rows.add(new String[] {"created", Output.time(t.getCreateTime())});
        rows.add(new String[] {"updated", Output.time(t.getUpdateTime())});
        Output.keyValues(out, rows);
    }

    /** What a job and a trigger's template share: method, retraining, data, plan, where results go. */
    private static void template(List<String[]> rows, PruneJob j) {
        rows.add(new String[] {"method", method(j.getMethod())});
        rows.add(new String[] {"retrain", modes(j.getRetrainModesList())});
        rows.add(new String[] {"dataset", dataset(j.getDataset())});
        rows.add(new String[] {"plan", plan(j.hasPlan() ? j.getPlan() : null)});
        if (!j.getTargetModel().isEmpty()) {
            rows.add(new String[] {"target model", j.getTargetModel()});
        }
    }

    static void triggers(PrintWriter out, List<RepruneTrigger> triggers) {
        Output.table(out, "no re-prune triggers", List.of("NAME", "MODEL", "ALIAS", "ENABLED", "METHOD", "RETRAIN", "LAST JOB"),
                triggers, t -> new String[] {t.getName(), t.getModel(), dash(t.getAlias()), t.getEnabled() ? "yes" : "no",
                    method(t.getTemplate().getMethod()), modes(t.getTemplate().getRetrainModesList()), dash(t.getLastPruneJob())});
    }

    // ------------------------------------------------------------------------------------------------ runs

    static void run(PrintWriter out, TrainingRun r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", r.getName()});
        rows.add(new String[] {"state", runState(r)});
        rows.add(new String[] {"trains", source(r)});
        if (r.getRetrainMode() != RetrainMode.RETRAIN_MODE_UNSPECIFIED) {
            rows.add(new String[] {"retrain mode", Choices.word(r.getRetrainMode())});
        }
        rows.add(new String[] {"dataset", dataset(r.getDataset())});
        rows.add(new String[] {"plan", plan(r.hasPlan() ? r.getPlan() : null)});
        rows.add(new String[] {"epoch", epoch(r)});
        rows.add(new String[] {"progress", r.hasProgress() ? progress(null, r.getProgress()) : "-"});
        rows.add(new String[] {"attempts", Integer.toString(r.getAttempts())});
        rows.add(new String[] {"output", r.hasOutputCheckpoint() ? r.getOutputCheckpoint().getUri() : "-"});
        rows.add(new String[] {"metrics", r.hasMetrics() ? metrics(r.getMetrics()) : "-"});
        if (!r.getPruneJob().isEmpty()) {
            rows.add(new String[] {"prune job", r.getPruneJob()});
        }
        rows.add(new String[] {"created", Output.time(r.getCreateTime())});
        rows.add(new String[] {"started", Output.time(r.getStartTime())});
        rows.add(new String[] {"ended", Output.time(r.getEndTime())});
        Output.keyValues(out, rows);
    }

    static void runs(PrintWriter out, List<TrainingRun> runs) {
        Output.table(out, "no training runs", List.of("NAME", "STATE", "TRAINS", "MODE", "EPOCH", "ACCURACY", "CREATED"), runs,
                r -> new String[] {r.getName(), r.getState().name(), source(r), Choices.word(r.getRetrainMode()), epoch(r),
                    r.getMetrics().hasAccuracy() ? percent(r.getMetrics().getAccuracy()) : "-", Output.time(r.getCreateTime())});
    }

    /** {@code trainingRuns/x RUNNING (attempt 1)}, {@code ... SUCCEEDED: test accuracy 89.10%, loss 0.3012}. */
    static String runLine(TrainingRun r) {
        String s = r.getName() + " " + r.getState().name();
        return switch (r.getState()) {
            case RUNNING -> s + (r.getAttempts() > 1 ? " (attempt " + r.getAttempts() + ", resumed)" : "");
            case SUCCEEDED -> s + (r.getMetrics().hasAccuracy() ? ": " + metrics(r.getMetrics()) : "");
            case FAILED -> s + (r.getFailureReason().isEmpty() ? "" : ": " + r.getFailureReason());
            default -> s;
        };
    }

    /** {@code 3/10}, or {@code -} before the run knows its epochs. */
    static String epoch(TrainingRun r) {
        return r.getEpochs() == 0 ? "-" : r.getCurrentEpoch() + "/" + r.getEpochs();
    }

    static String runState(TrainingRun r) {
        return r.getState().name() + (r.getFailureReason().isEmpty() ? "" : " (" + r.getFailureReason() + ")");
    }

    static boolean terminal(TrainingRun.State s) {
        return s == TrainingRun.State.SUCCEEDED || s == TrainingRun.State.FAILED || s == TrainingRun.State.CANCELLED;
    }

    static String source(TrainingRun r) {
        return switch (r.getSourceCase()) {
            case MODEL_VERSION -> r.getModelVersion();
            case ARCH -> arch(r.getArch());
            default -> "-";
        };
    }

    static String arch(ArchSpec a) {
        String name = a.getName().isEmpty() ? a.getFamily() : a.getName();
        return (name.isEmpty() ? "-" : name) + (a.getInputShapeCount() == 0 ? ""
                : " " + a.getInputShapeList().stream().map(String::valueOf).collect(Collectors.joining("x"))
                + " -> " + a.getNumClasses());
    }

    // ------------------------------------------------------------------------------------------------ pieces

    /**
     * One progress report: {@code fine-tune  epoch 1/2  step 300/938  loss 0.4123  acc 85.12%  2310 img/s}; at the end of
     * an epoch {@code epoch 1/2 done} and the test metrics when measured.
     */
    static String progress(String label, EpochProgress p) {
        StringBuilder sb = new StringBuilder();
        if (label != null) {
            sb.append(label).append("  ");
        }
        sb.append("epoch ").append(p.getEpoch()).append('/').append(p.getEpochs());
        if (p.getEpochFinished()) {
            sb.append(" done");
        } else if (p.getSteps() > 0) {
            sb.append("  step ").append(p.getStep()).append('/').append(p.getSteps());
        }
        sb.append(String.format(Locale.ROOT, "  loss %.4f  acc %s", p.getLoss(), percent(p.getAccuracy())));
        if (p.getImagesPerSecond() > 0) {
            sb.append(String.format(Locale.ROOT, "  %.0f img/s", p.getImagesPerSecond()));
        }
        if (p.hasTestAccuracy() || p.hasTestLoss()) {
            sb.append("  test:");
            if (p.hasTestAccuracy()) {
                sb.append(" acc ").append(percent(p.getTestAccuracy()));
            }
            if (p.hasTestLoss()) {
                sb.append(String.format(Locale.ROOT, " loss %.4f", p.getTestLoss()));
            }
        }
        return sb.toString();
    }

    /** {@code l1 ratio=0.5}, {@code slimming percent=0.6 lambda=0.0001}. */
    static String method(MethodSpec m) {
        if (m.getMethod() == dev.sculptor.api.v1.PruningMethod.PRUNING_METHOD_UNSPECIFIED) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(Choices.word(m.getMethod()));
        if (!m.getPreset().isEmpty()) {
            sb.append(" preset=").append(m.getPreset());
        }
        if (m.hasRatio()) {
            sb.append(" ratio=").append(number(m.getRatio()));
        }
        if (m.getRatiosCount() > 0) {
            sb.append(" layer-ratios=").append(new TreeMap<>(m.getRatiosMap()).entrySet().stream()
                    .map(e -> e.getKey() + ":" + number(e.getValue())).collect(Collectors.joining(",")));
        }
        if (m.getSkipCount() > 0) {
            sb.append(" skip=").append(String.join(",", m.getSkipList()));
        }
        if (m.hasPercent()) {
            sb.append(" percent=").append(number(m.getPercent()));
        }
        if (m.hasSparsityLambda()) {
            sb.append(" lambda=").append(number(m.getSparsityLambda()));
        }
        if (m.getIncludeLinear()) {
            sb.append(" include-linear");
        }
        return sb.toString();
    }

    static String modes(List<RetrainMode> modes) {
        return modes.isEmpty() ? "fine-tune (default)" : modes.stream().map(Choices::word).collect(Collectors.joining(","));
    }

    /** {@code fashion-mnist (train 2000, test 500 images)}. */
    static String dataset(DatasetRef d) {
        if (d.getUri().isEmpty()) {
            return "-";
        }
        List<String> subsets = new ArrayList<>();
        if (d.getTrainSubset() > 0) {
            subsets.add("train " + d.getTrainSubset());
        }
        if (d.getTestSubset() > 0) {
            subsets.add("test " + d.getTestSubset());
        }
        return d.getUri() + (subsets.isEmpty() ? "" : " (" + String.join(", ", subsets) + " images)");
    }

    /** The fields set, e.g. {@code epochs=4 lr=0.05 schedule=step seed=1 finetune-epochs=2}; "defaults" when none. */
    static String plan(TrainingPlan p) {
        if (p == null) {
            return "defaults";
        }
        List<String> parts = new ArrayList<>();
        if (p.getEpochs() > 0) {
            parts.add("epochs=" + p.getEpochs());
        }
        if (p.getBatchSize() > 0) {
            parts.add("batch=" + p.getBatchSize());
        }
        if (p.getLearningRate() > 0) {
            parts.add("lr=" + number(p.getLearningRate()));
        }
        if (p.getSchedule() != TrainingPlan.Schedule.SCHEDULE_UNSPECIFIED) {
            parts.add("schedule=" + Choices.word(p.getSchedule()));
        }
        if (p.hasMomentum()) {
            parts.add("momentum=" + number(p.getMomentum()));
        }
        if (p.hasWeightDecay()) {
            parts.add("weight-decay=" + number(p.getWeightDecay()));
        }
        if (p.hasSeed()) {
            parts.add("seed=" + p.getSeed());
        }
        if (p.getFinetuneEpochs() > 0) {
            parts.add("finetune-epochs=" + p.getFinetuneEpochs());
        }
        if (p.getFinetuneLearningRate() > 0) {
            parts.add("finetune-lr=" + number(p.getFinetuneLearningRate()));
        }
        if (p.hasScratchBCap()) {
            parts.add("scratch-b-cap=" + number(p.getScratchBCap()));
        }
        if (p.hasAugment()) {
            parts.add("augment=" + p.getAugment());
        }
        return parts.isEmpty() ? "defaults" : String.join(" ", parts);
    }

    /** {@code test accuracy 89.10%, loss 0.3012, 44.4K params, 2.29M FLOPs}. */
    static String metrics(ModelMetrics m) {
        List<String> parts = new ArrayList<>();
        if (m.hasAccuracy()) {
            parts.add("test accuracy " + percent(m.getAccuracy()));
        }
        if (m.hasLoss()) {
            parts.add(String.format(Locale.ROOT, "loss %.4f", m.getLoss()));
        }
        if (m.getParams() > 0) {
            parts.add(Results.params(m.getParams()) + " params");
        }
        if (m.getFlops() > 0) {
            parts.add(String.format(Locale.ROOT, "%.2fM FLOPs", m.getFlops() / 1e6));
        }
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** A double without float noise or trailing zeros: 0.5, 0.0001, 2. */
    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
