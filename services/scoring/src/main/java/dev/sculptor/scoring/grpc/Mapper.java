package dev.sculptor.scoring.grpc;

import dev.sculptor.api.v1.BlockScore;
import dev.sculptor.api.v1.ChannelScores;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.api.v1.WeightStatistics;
import dev.sculptor.scoring.service.MethodChoice;
import dev.sculptor.scoring.service.Scores;

/** The contract's messages to and from the service's plain types. */
public final class Mapper {
    private Mapper() {}

    public static MethodChoice method(MethodSpec m) {
        return new MethodChoice(m.getMethod().name(), m.getPreset(), m.hasRatio() ? m.getRatio() : null, m.getRatiosMap(),
                m.getSkipList(), m.hasPercent() ? m.getPercent() : null, m.hasSparsityLambda() ? m.getSparsityLambda() : null,
                m.getIncludeLinear());
    }

    public static ScoreModelResponse response(String version, Scores s) {
        ScoreModelResponse.Builder b = ScoreModelResponse.newBuilder().setModelVersion(version).setSeconds(s.seconds())
                .setSamplesUsed(s.samplesUsed());
        for (Scores.Channel c : s.channels()) {
            ChannelScores.Builder cb = ChannelScores.newBuilder().setSpace(c.space());
            for (float f : c.scores()) {
                cb.addScores(f);
            }
            for (int k : c.kept()) {
                cb.addKeptChannels(k);
            }
            b.addChannelScores(cb);
        }
        for (Scores.Block x : s.blocks()) {
            b.addBlockScores(BlockScore.newBuilder().setBlock(x.block()).setScore(x.score()).setKept(x.kept()));
        }
        for (Scores.Weights w : s.weights()) {
            b.addWeightStatistics(WeightStatistics.newBuilder().setLayer(w.layer()).setCount(w.count()).setNonzero(w.nonzero())
                    .setPruned(w.pruned()).setThreshold(w.threshold()).setMeanAbs(w.meanAbs()).setMaxAbs(w.maxAbs()));
        }
        return b.build();
    }
}
