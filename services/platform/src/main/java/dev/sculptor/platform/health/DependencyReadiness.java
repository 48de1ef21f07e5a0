package dev.sculptor.platform.health;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Readiness of a dependency the service cannot work without, named after it: UP while a probe of it succeeds, DOWN
 * with the probe's error otherwise. Cheap to call as often as a prober likes: a verdict is kept for {@code cacheFor},
 * and a probe that does not answer within {@code timeout} is DOWN (it goes on in the background, and the next call
 * waits for that same probe rather than starting another). Never a liveness check: a restart does not bring a
 * dependency back.
 */
public abstract class DependencyReadiness implements HealthCheck {
    /** How long a verdict is kept. */
    public static final Duration CACHE_FOR = Duration.ofSeconds(3);
    /** How long a probe may take before the dependency counts as down. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final String name;
    private final Duration cacheFor;
    private final Duration timeout;
    private final ExecutorService probes;
    private Future<?> probe;
    private HealthCheckResponse last;
    private long lastAt;

    protected DependencyReadiness(String name, Duration cacheFor, Duration timeout) {
        this.name = name;
        this.cacheFor = cacheFor;
        this.timeout = timeout;
        this.probes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "readiness-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Returns when the dependency answered as it should; throws with the reason otherwise. */
    protected abstract void probe() throws Exception;

    /** Where the dependency is (shown whether it is up or down). */
    protected abstract Map<String, String> where();

    @Override
    public synchronized HealthCheckResponse call() {
        if (last == null || System.nanoTime() - lastAt >= cacheFor.toNanos()) {
            last = check();
            lastAt = System.nanoTime();
        }
        return last;
    }

    private HealthCheckResponse check() {
        var b = HealthCheckResponse.named(name);
        where().forEach(b::withData);
        if (probe == null || probe.isDone()) {
            probe = probes.submit(() -> {
                probe();
                return null;
            });
        }
        try {
            probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return b.up().build();
        } catch (TimeoutException e) {
            return b.down().withData("error", "no answer within " + timeout.toMillis() + " ms").build();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return b.down().withData("error", cause.getMessage() != null ? cause.getMessage() : cause.toString()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return b.down().withData("error", "interrupted").build();
        }
    }

    /** Stops the probe thread (a probe in flight is interrupted). */
    protected void closeProbes() {
        probes.shutdownNow();
    }
}
