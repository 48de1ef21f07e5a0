package dev.sculptor.testing;

import java.util.Map;

import org.testcontainers.postgresql.PostgreSQLContainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * {@link PostgresResource}'s Docker-backed twin: PostgreSQL (image {@link ContainerImages#postgres()}) in a container
 * of its own, started by {@link #start} and removed by {@link #stop}. Same init arg ({@code database}, the database
 * the container creates) and the same keys as {@link PostgresResource}. Use it only in a class that skips without
 * Docker.
 */
public class PostgresContainerResource implements QuarkusTestResourceLifecycleManager {

    private String database = PostgresResource.DEFAULT_DATABASE;
    private PostgreSQLContainer postgres;

    @Override
    public void init(Map<String, String> initArgs) {
        database = PostgresResource.database(initArgs);
    }

    @Override
    public Map<String, String> start() {
        postgres = new PostgreSQLContainer(ContainerImages.postgres()).withDatabaseName(database);
        postgres.start();
        return PostgresResource.config(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
    }

    @Override
    public void stop() {
        if (postgres != null) {
            postgres.stop();
        }
    }
}
