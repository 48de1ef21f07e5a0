package dev.sculptor.engineproto;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.ArchSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The engine's types to the contract's messages and back: the one place the two meet. */
public final class EngineProto {
    private EngineProto() {}

    /** The engine's architecture as the contract's {@code ArchSpec}. */
    public static ArchSpec arch(dev.sculptor.engine.arch.ArchSpec s) {
        ArchSpec.Builder b = ArchSpec.newBuilder().setFamily(s.family()).setName(s.name()).addAllInputShape(s.inputShape())
                .setNumClasses(s.numClasses());
        if (s.convWidths() != null) {
            b.addAllConvWidths(s.convWidths());
        }
        if (s.poolAfter() != null) {
            b.addAllPoolAfter(s.poolAfter());
        }
        if (s.hidden() != null) {
            b.addAllHidden(s.hidden());
        }
        if (s.stem() != null) {
            b.setStem(s.stem());
        }
        if (s.stageWidths() != null) {
            b.addAllStageWidths(s.stageWidths());
        }
        if (s.blocks() != null) {
            s.blocks().forEach(w -> b.addBlocks(ArchSpec.BlockWidths.newBuilder().addAllWidths(w)));
        }
        if (s.selections() != null) {
            s.selections().forEach(sel -> b.addSelections(sel == null ? ArchSpec.ChannelSelection.newBuilder().setAll(true)
                    : ArchSpec.ChannelSelection.newBuilder().addAllChannels(sel)));
        }
        return b.build();
    }

    /**
     * The contract's {@code ArchSpec} as the engine's, validated by the engine (an empty name is the family's).
     *
     * @throws IllegalArgumentException from the engine, its message starting with {@code arch}
     */
    public static dev.sculptor.engine.arch.ArchSpec arch(ArchSpec a) {
        List<List<Integer>> blocks = null;
        if (a.getBlocksCount() > 0) {
            blocks = new ArrayList<>();
            for (ArchSpec.BlockWidths w : a.getBlocksList()) {
                blocks.add(List.copyOf(w.getWidthsList()));
            }
        }
        List<List<Integer>> selections = null;
        if (a.getSelectionsCount() > 0) {
            selections = new ArrayList<>();
            for (ArchSpec.ChannelSelection s : a.getSelectionsList()) {
                selections.add(s.getAll() ? null : List.copyOf(s.getChannelsList()));
            }
        }
        return new dev.sculptor.engine.arch.ArchSpec(a.getFamily(), a.getName().isEmpty() ? a.getFamily() : a.getName(),
                List.copyOf(a.getInputShapeList()), a.getNumClasses(), listOrNull(a.getConvWidthsList()),
                listOrNull(a.getPoolAfterList()), listOrNull(a.getHiddenList()), a.getStem() == 0 ? null : a.getStem(),
                listOrNull(a.getStageWidthsList()), blocks, selections).validate();
    }

    private static List<Integer> listOrNull(List<Integer> l) {
        return l.isEmpty() ? null : List.copyOf(l);
    }

    /** An instant as a protobuf timestamp; null as the unset (default) timestamp. */
    public static Timestamp timestamp(Instant i) {
        return i == null ? Timestamp.getDefaultInstance()
                : Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
