package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelVersion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How versions read on screen: measured and claimed accuracy apart, a deleted lineage parent named so. */
class VersionOutputTest {
    @Test
    void claimedAccuracyIsMarkedAndMeasuredWins() {
        ModelVersion claimed = ModelVersion.newBuilder().setClaimedMetrics(ModelMetrics.newBuilder().setAccuracy(0.999)).build();
        assertEquals("99.90% (claimed)", Output.accuracy(claimed));
        assertEquals("91.00%", Output.accuracy(claimed.toBuilder().setMetrics(ModelMetrics.newBuilder().setAccuracy(0.91)).build()));
        assertEquals("-", Output.accuracy(ModelVersion.getDefaultInstance()));
    }

    @Test
    void aDeletedParentEndsTheLineageMarkedDeleted() {
        StringWriter s = new StringWriter();
        Output.lineage(new PrintWriter(s, true), List.of(
                ModelVersion.newBuilder().setName("models/m/versions/3").setLineage(Lineage.newBuilder()
                        .setParentVersion("models/m/versions/2")).build(),
                ModelVersion.newBuilder().setName("models/m/versions/2").setVersionNumber(2).setState(ModelVersion.State.DELETED)
                        .build()), false);
        String out = s.toString();
        assertTrue(out.contains("models/m/versions/2 (deleted)"), out);
        assertTrue(out.contains("models/m/versions/3 "), out);
    }
}
