package dev.sculptor.engineproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's types to the contract's and back, without any service running. */
class EngineProtoTest {
    static final dev.sculptor.engine.arch.ArchSpec TINY = new dev.sculptor.engine.arch.ArchSpec("vgg", "tiny", List.of(1, 28, 28), 10,
            List.of(4, 6), List.of(0), List.of(8), null, null, null, null);

    @Test
    void architecturesMapToTheEngine() {
        ArchSpec proto = ArchSpec.newBuilder().setFamily("vgg").setName("tiny").addAllInputShape(List.of(1, 28, 28))
                .setNumClasses(10).addAllConvWidths(List.of(4, 6)).addPoolAfter(0).addHidden(8).build();
        assertEquals(TINY, EngineProto.arch(proto));
        assertEquals(proto, EngineProto.arch(TINY));
        var resnet = Architectures.named("resnet20", List.of(3, 32, 32), 10);
        var p = ArchSpec.newBuilder().setFamily("resnet").setName("resnet20").addAllInputShape(resnet.inputShape())
                .setNumClasses(10).addAllStageWidths(resnet.stageWidths());
        resnet.blocks().forEach(b -> p.addBlocks(ArchSpec.BlockWidths.newBuilder().addAllWidths(b)));
        assertEquals(resnet, EngineProto.arch(p.build()));
        assertEquals(resnet, EngineProto.arch(EngineProto.arch(resnet)));
        // an empty name is the family's
        assertEquals("vgg", EngineProto.arch(proto.toBuilder().clearName().build()).name());
        assertFalse(assertThrows(RuntimeException.class, () -> EngineProto.arch(proto.toBuilder().setFamily("alexnet").build()))
                .getMessage().isEmpty());
    }

    @Test
    void instantsAreTimestampsAndNullIsUnset() {
        Instant i = Instant.ofEpochSecond(1700000000, 123);
        assertEquals(Timestamp.newBuilder().setSeconds(1700000000).setNanos(123).build(), EngineProto.timestamp(i));
        assertEquals(Timestamp.getDefaultInstance(), EngineProto.timestamp(null));
    }
}
