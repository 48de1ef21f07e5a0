package dev.sculptor.testing;

import java.util.function.Supplier;

/**
 * Runs a part's start with this library's class loader as the thread context class loader. Kafka,
 * jclouds and Log4j load classes by name through it; under {@code @QuarkusTest} it is the application's
 * class loader, which holds its own copy of kafka-clients, and a broker mixing the two copies fails
 * (for example {@code NoSuchMethodException} on {@code DefaultStatePersister}). Threads the part starts
 * inherit the loader set here.
 */
final class ContextLoader {

    private ContextLoader() {
    }

    static <T> T with(Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ContextLoader.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
