package dev.sculptor.local;

import dev.sculptor.local.ServiceDefs.Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every subcommand takes: where the repository, the state directory and the service definitions are. */
final class StackOptions {
    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: $SCULPTOR_HOME/local, else <repo>/.sculptor/local).")
    Path stateDir;

    @Option(names = "--repo", paramLabel = "DIR", description = "Repository root (default: found from this jar).")
    Path repo;

    @Option(names = "--services", paramLabel = "FILE",
            description = "Service definitions (default: <repo>/deploy/local/services.properties).")
    Path servicesFile;

    Path repo() {
        if (repo != null) {
            return repo.toAbsolutePath().normalize();
        }
        String env = System.getenv("SCULPTOR_ROOT");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        for (Path p = codeSource(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy").resolve("local")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    Path stateDir() {
        if (stateDir != null) {
            return stateDir.toAbsolutePath().normalize();
        }
        String home = System.getenv("SCULPTOR_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath().normalize().resolve("local");
        }
        return repo().resolve(".sculptor").resolve("local");
    }

    Path servicesFile() {
        return servicesFile != null ? servicesFile.toAbsolutePath().normalize()
                : repo().resolve("deploy").resolve("local").resolve("services.properties");
    }

    List<Service> services() {
        try {
            return ServiceDefs.load(servicesFile(), repo());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This jar (or classes directory). */
    static Path codeSource() {
        try {
            return Path.of(StackOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** Class path for the child JVMs: this jar and lib/ beside it, else (run from classes) this JVM's class path. */
    static String childClasspath() {
        String override = System.getProperty("sculptor.local.classpath");
        if (override != null && !override.isBlank()) {
            return override;
        }
        Path cs = codeSource();
        if (Files.isRegularFile(cs) && cs.toString().endsWith(".jar")) {
            Path lib = cs.getParent().resolve("lib");
            if (Files.isDirectory(lib)) {
                return cs + java.io.File.pathSeparator + lib + java.io.File.separator + "*";
            }
        }
        return System.getProperty("java.class.path");
    }
}
