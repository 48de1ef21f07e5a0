package dev.sculptor.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/**
 * A child JVM for {@link PgBinariesTest}: starts PostgreSQL with its binaries under a directory, then stops it.
 * {@code Probe repaired DIR DATA} goes through {@link PgBinaries#start}; {@code Probe zonky DIR DATA} calls zonky
 * alone (what the stack did before), to show the state the test builds is the one that used to be stuck.
 */
public final class Probe {
    private Probe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path data = Path.of(args[2]);
        java.util.function.Consumer<EmbeddedPostgres.Builder> configure = b -> b.setDataDirectory(data).setCleanDataDirectory(true)
                .setServerConfig("listen_addresses", "127.0.0.1").setServerConfig("fsync", "off");
        long t0 = System.nanoTime();
        EmbeddedPostgres pg;
        if (args[0].equals("zonky")) {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
            configure.accept(b);
            pg = b.setOverrideWorkingDirectory(dir.toFile()).start();
        } else {
            pg = PgBinaries.start(dir, configure, System.out::println);
        }
        System.out.printf("STARTED in %.2f s on port %d%n", (System.nanoTime() - t0) / 1e9, pg.getPort());
        pg.close();
    }
}
