package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.RetrainMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The results table against cells worked out by hand. */
class ResultsTest {
    static final ModelMetrics BASE = ModelMetrics.newBuilder().setAccuracy(0.9123).setLoss(0.24567).setParams(431_080)
            .setFlops(2_307_264).setLatencyMs(1.234).build();
    // A quarter of the parameters (75.0% saved) and 600,000 of 2,307,264 FLOPs (1 - 0.26005 = 74.0% saved).
    static final ModelMetrics PRUNED = ModelMetrics.newBuilder().setAccuracy(0.5012).setLoss(1.3).setParams(107_770)
            .setFlops(600_000).setLatencyMs(0.5).build();

    static PruneJob job() {
        return PruneJob.newBuilder().setName("pruneJobs/j1").setModelVersion("models/m/versions/1")
                .setPrunedVersion("models/m/versions/2").setBaselineMetrics(BASE).setPrunedMetrics(PRUNED)
                .addCandidates(PruneJob.Candidate.newBuilder().setLabel("fine-tune").setRetrainMode(RetrainMode.FINE_TUNE)
                        .setModelVersion("models/m/versions/3").setEpochs(2)
                        .setMetrics(ModelMetrics.newBuilder().setAccuracy(0.905).setLoss(0.2601).setParams(107_770).setFlops(600_000)))
                .addCandidates(PruneJob.Candidate.newBuilder().setRetrainMode(RetrainMode.SCRATCH_B))
                .build();
    }

    @Test
    void rowsOfAJob() {
        List<String[]> rows = Results.rows(job());
        assertEquals(5, rows.size());
        assertArrayEquals(new String[] {"MODEL", "VERSION", "EPOCHS", "ACCURACY", "LOSS", "FLOPS (M)", "PARAMS", "LATENCY (ms)",
            "FLOPS SAVED", "PARAMS SAVED"}, rows.get(0));
        assertArrayEquals(new String[] {"baseline", "models/m/versions/1", "-", "91.23%", "0.2457", "2.31", "431.1K", "1.23", "-", "-"},
                rows.get(1));
        assertArrayEquals(new String[] {"pruned", "models/m/versions/2", "-", "50.12%", "1.3000", "0.60", "107.8K", "0.50", "74.0%",
            "75.0%"}, rows.get(2));
        // Latency not measured: "-".
        assertArrayEquals(new String[] {"fine-tune", "models/m/versions/3", "2", "90.50%", "0.2601", "0.60", "107.8K", "-", "74.0%",
            "75.0%"}, rows.get(3));
        // Not trained yet: the label from the mode, everything else "-".
        assertArrayEquals(new String[] {"scratch-b", "-", "-", "-", "-", "-", "-", "-", "-", "-"}, rows.get(4));
    }

    @Test
    void aJobWithNoResultsYet() {
        List<String[]> rows = Results.rows(PruneJob.newBuilder().setModelVersion("models/m/versions/1").build());
        assertArrayEquals(new String[] {"baseline", "models/m/versions/1", "-", "-", "-", "-", "-", "-", "-", "-"}, rows.get(1));
        assertArrayEquals(new String[] {"pruned", "-", "-", "-", "-", "-", "-", "-", "-", "-"}, rows.get(2));
        assertEquals(3, rows.size());
    }

    @Test
    void unitsAndReductions() {
        assertEquals("999.9K", Results.params(999_900));
        assertEquals("1.23M", Results.params(1_234_567));
        assertEquals("-", Results.params(0));
        assertEquals("50.0%", Results.saved(50, 100));
        assertEquals("-10.0%", Results.saved(110, 100));
        assertEquals("-", Results.saved(50, 0));
        assertEquals("-", Results.saved(0, 100));
    }

    @Test
    void printedAsAlignedColumns() {
        StringWriter s = new StringWriter();
        Results.print(new PrintWriter(s, true), job());
        List<String> lines = s.toString().lines().toList();
        assertEquals("MODEL      VERSION              EPOCHS  ACCURACY  LOSS    FLOPS (M)  PARAMS  LATENCY (ms)  FLOPS SAVED  PARAMS SAVED",
                lines.get(0));
        assertEquals("pruned     models/m/versions/2  -       50.12%    1.3000  0.60       107.8K  0.50          74.0%        75.0%",
                lines.get(2));
        assertEquals("scratch-b  -                    -       -         -       -          -       -             -            -",
                lines.get(4));
    }

    @Test
    void progressLines() {
        EpochProgress running = EpochProgress.newBuilder().setEpoch(1).setEpochs(2).setStep(300).setSteps(938).setLoss(0.41234)
                .setAccuracy(0.8512).setImagesPerSecond(2310.4).build();
        assertEquals("fine-tune  epoch 1/2  step 300/938  loss 0.4123  acc 85.12%  2310 img/s",
                WorkOutput.progress("fine-tune", running));
        EpochProgress done = running.toBuilder().setEpochFinished(true).setTestAccuracy(0.873).setTestLoss(0.35).build();
        assertEquals("epoch 1/2 done  loss 0.4123  acc 85.12%  2310 img/s  test: acc 87.30% loss 0.3500",
                WorkOutput.progress(null, done));
    }
}
