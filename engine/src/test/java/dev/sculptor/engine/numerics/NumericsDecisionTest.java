package dev.sculptor.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-check's decision, fed with faulty results: a machine whose native convolution is wrong at pruned
 * widths gets the padded configuration; one where everything is wrong is refused with a message naming what
 * was wrong; a verdict is reused only for the same machine.
 */
class NumericsDecisionTest {
    static final Machine ZEN5 = new Machine("AMD EPYC 9B45", "AuthenticAMD family 26 model 2 stepping 1", "avx512f avx2",
            false, "PyTorch 2.5.1", "cpu", 2, Map.of());

    /**
     * The defect seen on a Zen 5 machine: inputs padded to the channel block are not zero-padded. Injected into
     * kernels that are right on this machine: the configuration its own check chose stands in for native kernels
     * (on a machine like that Zen 5 the real native kernels have defects of their own, which are not this test's).
     */
    static Ops zen5Like(KernelConfig cfg) {
        Ops right = Ops.of(cfg.padded() ? cfg : Numerics.config());
        return (x, w, b, stride, pad) -> {
            NDArray y = right.conv2d(x, w, b, stride, pad);
            long c = x.getShape().get(1);
            return !cfg.padded() && c > 16 && c % 16 != 0 ? y.add(25f) : y;
        };
    }

    @Test
    void faultyNativeConvolutionIsCaughtByTheCheck() {
        SelfCheck.Report r = SelfCheck.run(zen5Like(KernelConfig.nativeKernels(2)), Device.cpu());
        assertFalse(r.exact());
        for (SelfCheck.Finding f : r.wrong()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("conv (\\d+)->\\d+ .* forward").matcher(f.check());
            assertTrue(m.matches(), "only the faulty forward is reported: " + f);
            int c = Integer.parseInt(m.group(1));
            assertTrue(c > 16 && c % 16 != 0, "only faulty widths are reported: " + f);
        }
        assertTrue(r.summary().contains("conv 22->5 5x5/1 forward"), r.summary());
    }

    @Test
    void paddingRemovesTheInjectedDefect() {
        assertTrue(SelfCheck.run(zen5Like(KernelConfig.padded(2)), Device.cpu()).exact());
    }

    @Test
    void nanIsWrong() {
        Ops right = Ops.of(Numerics.config()); // right on this machine, whatever its native kernels do
        Ops nan = new Ops() {
            @Override
            public NDArray conv2d(NDArray x, NDArray w, NDArray b, int s, int p) {
                return right.conv2d(x, w, b, s, p);
            }

            @Override
            public NDArray linear(NDArray x, NDArray w, NDArray b) {
                return right.linear(x, w, b).mul(Float.NaN);
            }
        };
        SelfCheck.Report r = SelfCheck.run(nan, Device.cpu());
        assertTrue(r.wrong().stream().anyMatch(f -> f.check().startsWith("linear 40->10 forward")
                && Double.isInfinite(f.error())), r.summary());
        assertTrue(r.summary().contains("NaN"), r.summary());
    }

    @Test
    void aWrongBatchNormGradientIsCaught() {
        Ops right = Ops.of(Numerics.config()); // right on this machine, whatever its native kernels do
        Ops badBn = new Ops() {
            @Override
            public NDArray conv2d(NDArray x, NDArray w, NDArray b, int s, int p) {
                return right.conv2d(x, w, b, s, p);
            }

            @Override
            public NDArray batchNorm(NDArray x, NDArray mean, NDArray var, NDArray gamma, NDArray beta, boolean training) {
                // right forward, gradient w.r.t. beta doubled
                return right.batchNorm(x, mean, var, gamma, beta, training).add(beta.reshape(shapeFor(x)));
            }
        };
        SelfCheck.Report r = SelfCheck.run(badBn, Device.cpu());
        assertTrue(r.wrong().stream().anyMatch(f -> f.check().contains("batchnorm") && f.check().endsWith("forward")), r.summary());
    }

    static Shape shapeFor(NDArray x) {
        long[] s = new long[x.getShape().dimension()];
        java.util.Arrays.fill(s, 1);
        s[1] = x.getShape().get(1);
        return new Shape(s);
    }

    @Test
    void choosesTheFirstExactCandidateAndStopsChecking() {
        List<String> tried = new ArrayList<>();
        Numerics.Decision d = Numerics.choose(ZEN5, Numerics.candidates(ZEN5), cfg -> {
            tried.add(cfg.id());
            return SelfCheck.run(zen5Like(cfg), Device.cpu());
        }, "now");
        assertEquals(KernelConfig.padded(2), d.chosen());
        assertEquals(List.of("native/2t", "pad16/2t"), tried);
        assertFalse(d.trials().get(0).exact());
        assertTrue(d.trials().get(1).exact());
        assertTrue(d.line().contains("native/2t WRONG, pad16/2t exact, using convolution channels padded to multiples of 16"),
                d.line());
        assertTrue(d.line().contains("AMD EPYC 9B45") && d.line().contains("reports no cache sizes"), d.line());
    }

    @Test
    void refusesWhenEveryCandidateIsWrong() {
        SelfCheck.Report bad = new SelfCheck.Report(10, 3.0, List.of(new SelfCheck.Finding("conv 32->6 3x3/1 input grad", 3.0)));
        Numerics.Decision d = Numerics.choose(ZEN5, Numerics.candidates(ZEN5), cfg -> bad, "now");
        assertTrue(d.refused());
        assertNull(d.chosen());
        assertEquals(List.of("native/2t", "pad16/2t", "native/1t", "pad16/1t"),
                d.trials().stream().map(Numerics.Trial::config).toList());
        NumericsException e = assertThrows(NumericsException.class, d::configOrThrow);
        assertTrue(e.getMessage().contains("conv 32->6 3x3/1 input grad: error 3.0"), e.getMessage());
        assertTrue(e.getMessage().contains("refuses to compute") && e.getMessage().contains("ONEDNN_MAX_CPU_ISA"), e.getMessage());
        assertTrue(d.line().contains("REFUSING"), d.line());
    }

    @Test
    void oneThreadMachinesAreNotTriedTwice() {
        Machine one = new Machine("cpu", "id", "", true, "PyTorch 2.5.1", "cpu", 1, Map.of());
        assertEquals(List.of(KernelConfig.nativeKernels(1), KernelConfig.padded(1)), Numerics.candidates(one));
    }

    @Test
    void aVerdictIsReusedOnlyForTheSameMachine(@TempDir Path dir) throws Exception {
        Numerics.Decision d = Numerics.choose(ZEN5, Numerics.candidates(ZEN5),
                cfg -> SelfCheck.run(zen5Like(cfg), Device.cpu()), "2026-12-02T00:00:00Z");
        Path file = dir.resolve(ZEN5.key() + ".json");
        Numerics.write(file, d);
        Numerics.Decision back = Numerics.read(file, ZEN5);
        assertEquals(d.chosen(), back.chosen());
        assertEquals(d.trials(), back.trials());
        assertTrue(back.source().contains("cached"), back.source());

        Machine otherThreads = new Machine(ZEN5.cpu(), ZEN5.cpuId(), ZEN5.flags(), false, ZEN5.torch(), "cpu", 1, Map.of());
        Machine capped = new Machine(ZEN5.cpu(), ZEN5.cpuId(), ZEN5.flags(), false, ZEN5.torch(), "cpu", 2,
                Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"));
        Machine otherTorch = new Machine(ZEN5.cpu(), ZEN5.cpuId(), ZEN5.flags(), false, "PyTorch 2.7.1", "cpu", 2, Map.of());
        for (Machine m : List.of(otherThreads, capped, otherTorch)) {
            assertFalse(m.key().equals(ZEN5.key()), m.toString());
            assertNull(Numerics.read(file, m), "a verdict for another machine is not reused: " + m);
        }
    }

    @Test
    void aCorruptOrForgedVerdictIsCheckedAgain(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(ZEN5.key() + ".json");
        Files.writeString(file, "{\"key\": \"" + ZEN5.key() + "\", \"chosen\": {\"threads\": 2, \"channelBlock\"");
        assertNull(Numerics.read(file, ZEN5));
        // claims native kernels without a trial that found them exact
        Files.writeString(file, "{\"key\": \"" + ZEN5.key() + "\", \"chosen\": {\"threads\": 2, \"channelBlock\": 0},"
                + " \"trials\": [{\"config\": \"native/2t\", \"exact\": false, \"summary\": \"WRONG\"}]}");
        assertNull(Numerics.read(file, ZEN5));
        Files.writeString(file, "{\"key\": \"" + ZEN5.key() + "\", \"chosen\": {\"threads\": 0, \"channelBlock\": 0},"
                + " \"trials\": [{\"config\": \"native/0t\", \"exact\": true, \"summary\": \"exact\"}]}");
        assertNull(Numerics.read(file, ZEN5));
        assertNull(Numerics.read(dir.resolve("absent.json"), ZEN5));
    }
}
