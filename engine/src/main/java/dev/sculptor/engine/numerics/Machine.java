package dev.sculptor.engine.numerics;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a kernel check's verdict depends on: the CPU (vendor, family, model, stepping, flags), whether it reports
 * cache sizes, libtorch's version and device, the thread count asked for, and the environment variables that
 * steer oneDNN, OpenMP, MKL and OpenBLAS. A verdict is reused only where all of these are the same.
 */
public record Machine(String cpu, String cpuId, String flags, boolean reportsCaches, String torch, String device,
        int threads, Map<String, String> environment) {
    /** Bumped whenever the checks change, so older verdicts are not reused. */
    static final int CHECK_VERSION = 2;
    private static final List<String> ENV_PREFIXES = List.of("ONEDNN_", "DNNL_", "OMP_", "MKL_", "KMP_", "OPENBLAS_",
            "GOMP_");

    /** This process's machine, with libtorch's current thread count. */
    public static Machine current() {
        Map<String, String> cpuinfo = cpuinfo(Path.of("/proc/cpuinfo"));
        String cpu = cpuinfo.getOrDefault("model name", System.getProperty("os.arch"));
        String cpuId = cpuinfo.getOrDefault("vendor_id", "?") + " family " + cpuinfo.getOrDefault("cpu family", "?")
                + " model " + cpuinfo.getOrDefault("model", "?") + " stepping " + cpuinfo.getOrDefault("stepping", "?");
        Map<String, String> env = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (ENV_PREFIXES.stream().anyMatch(k::startsWith)) {
                env.put(k, v);
            }
        });
        Engine e = Engine.getInstance();
        String device = e.getGpuCount() > 0 ? "gpu" : "cpu";
        return new Machine(cpu, cpuId, cpuinfo.getOrDefault("flags", ""),
                Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu0/cache")), e.getEngineName() + " " + e.getVersion(),
                device, Threads.current(), env);
    }

    static Map<String, String> cpuinfo(Path file) {
        Map<String, String> out = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    break; // the first processor is enough: the cores of one machine are alike
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            // not Linux, or no /proc: the key falls back to os.arch and the flags stay unknown
        }
        return out;
    }

    /** A file name for this machine's verdict. */
    public String key() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            String all = String.join("\n", "v" + CHECK_VERSION, cpu, cpuId, flags, Boolean.toString(reportsCaches), torch,
                    device, Integer.toString(threads), environment.toString(), System.getProperty("os.arch"));
            return HexFormat.of().formatHex(d.digest(all.getBytes(StandardCharsets.UTF_8))).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line: the CPU and the libtorch it runs. */
    public String describe() {
        String isa = environment.containsKey("ONEDNN_MAX_CPU_ISA") ? ", ONEDNN_MAX_CPU_ISA=" + environment.get("ONEDNN_MAX_CPU_ISA") : "";
        return cpu + " (" + cpuId + (flags.contains("avx512f") ? ", AVX-512" : flags.contains("avx2") ? ", AVX2" : "")
                + (reportsCaches ? "" : ", reports no cache sizes") + "), " + torch + " on " + device + isa;
    }
}
