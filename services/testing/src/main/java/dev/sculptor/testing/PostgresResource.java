package dev.sculptor.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest}'s default datasource at the JVM's shared embedded PostgreSQL
 * ({@link EmbeddedPostgresDb}), started on first use and stopped when the JVM exits.
 *
 * <p>Returns {@code quarkus.datasource.db-kind=postgresql}, {@code quarkus.datasource.jdbc.url},
 * {@code quarkus.datasource.username} and {@code quarkus.datasource.password}. The database is
 * {@value #DEFAULT_DATABASE} unless init arg {@code database} names another; it is created empty on
 * first use and then shared by every test class that names it.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    public static final String DEFAULT_DATABASE = "sculptor";

    private String database = DEFAULT_DATABASE;

    /** JDBC URL of a database on the shared server, starting the server and creating the database if needed. */
    public static String jdbcUrl(String database) {
        return shared(database)[0];
    }

    /** The shared server's superuser password (each server has its own), for tests that connect with JDBC themselves. */
    public static String password(String database) {
        return shared(database)[2];
    }

    private static String[] shared(String database) {
        return (String[]) SharedParts.call("postgres", new Class<?>[] {String.class}, database);
    }

    @Override
    public void init(Map<String, String> initArgs) {
        database = database(initArgs);
    }

    /** Init arg {@code database}, default {@value #DEFAULT_DATABASE}. Shared with {@link PostgresContainerResource}. */
    static String database(Map<String, String> initArgs) {
        return initArgs.getOrDefault("database", DEFAULT_DATABASE);
    }

    /** The configuration a PostgreSQL test resource returns for a database. */
    static Map<String, String> config(String jdbcUrl, String username, String password) {
        return Map.of(
                "quarkus.datasource.db-kind", "postgresql",
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.username", username,
                "quarkus.datasource.password", password);
    }

    @Override
    public Map<String, String> start() {
        String[] pg = shared(database);
        return config(pg[0], pg[1], pg[2]);
    }

    /** Leaves the shared server running for the next test class; a shutdown hook stops it. */
    @Override
    public void stop() {
    }
}
