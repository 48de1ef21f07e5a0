package dev.sculptor.platform.grpc;

import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Server-streaming watches that poll blocking storage, each on a daemon thread of its own so a
 * long watch holds no worker thread. A watch ends when its body returns, when the client goes
 * away ({@code cancelled}), or UNAVAILABLE when the service shuts down ({@link #close}).
 */
public final class Watches implements AutoCloseable {
    /** One watch: emits (and completes) on {@code emitter} until done or {@code cancelled}. */
    @FunctionalInterface
    public interface Body<T> {
        void run(MultiEmitter<? super T> emitter, BooleanSupplier cancelled) throws InterruptedException;
    }

    private final ExecutorService threads;

    public Watches(String threadName) {
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The watch's stream; a failure of the body ends it with the status {@code status} maps it to. */
    public <T> Multi<T> watch(Body<T> body, Function<Throwable, Throwable> status) {
        return Multi.createFrom().<T>emitter(em -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            em.onTermination(() -> cancelled.set(true));
            threads.execute(() -> {
                try {
                    body.run(em, cancelled::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    em.fail(Status.UNAVAILABLE.withDescription("the service is shutting down").asRuntimeException());
                } catch (RuntimeException e) {
                    em.fail(status.apply(e));
                }
            });
        });
    }

    /** Interrupts every watch (on shutdown). */
    @Override
    public void close() {
        threads.shutdownNow();
    }
}
