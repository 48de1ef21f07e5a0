package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {
    @TempDir Path dir;

    @Test
    void knownVectors() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Sha256.of(new byte[0]));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void fileMatchesBytesAcrossChunkBoundaries() throws Exception {
        Path f = dir.resolve("abc.txt");
        Files.writeString(f, "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.of(f));

        byte[] big = new byte[(1 << 16) * 3 + 17];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        Path g = dir.resolve("big.bin");
        Files.write(g, big);
        assertEquals(Sha256.of(big), Sha256.of(g));
        assertEquals(big.length, Sha256.digest(g).bytes());
    }

    @Test
    void missingFileNamesTheFile() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Sha256.of(dir.resolve("nope.bin")));
        assertTrue(e.getMessage().contains("nope.bin"), e.getMessage());
    }
}
