package dev.sculptor.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One instance of each embedded part per JVM, started on first use and closed by a JVM shutdown hook.
 *
 * <p>Quarkus loads test resources in a class loader per application (a new one for each test profile
 * or restricted resource set), so a plain static field would start a second broker per class loader.
 * {@link #call} therefore runs these methods on this class as the system class loader sees it, which
 * outlives every Quarkus class loader; only JDK types cross between the two.
 */
final class SharedParts {

    private static EmbeddedKafka kafka;
    private static EmbeddedS3 s3;
    private static EmbeddedPostgresDb postgres;
    private static final Deque<AutoCloseable> STARTED = new ArrayDeque<>();
    private static boolean hookAdded;

    private SharedParts() {
    }

    static synchronized String kafkaBootstrapServers() {
        if (kafka == null) {
            kafka = register(EmbeddedKafka.start());
        }
        return kafka.bootstrapServers();
    }

    /** Endpoint, access key and secret key of the shared S3 server, after creating the bucket if given. */
    static synchronized String[] s3(String bucketToCreate) {
        if (s3 == null) {
            s3 = register(EmbeddedS3.start());
        }
        if (bucketToCreate != null) {
            s3.createBucket(bucketToCreate);
        }
        return new String[] {s3.endpoint(), s3.accessKey(), s3.secretKey()};
    }

    /** JDBC URL (database created on demand), user and password on the shared PostgreSQL server. */
    static synchronized String[] postgres(String database) {
        if (postgres == null) {
            postgres = register(EmbeddedPostgresDb.start());
        }
        return new String[] {postgres.jdbcUrl(database), postgres.user(), postgres.password()};
    }

    /** Stops ({@code false}) or restarts ({@code true}) the shared broker on its ports; it must have been started. */
    static synchronized void kafkaRunning(Boolean up) {
        if (up) {
            kafka.restart();
        } else {
            kafka.stop();
        }
    }

    /** Stops ({@code false}) or restarts ({@code true}) the shared S3 server on its port; it must have been started. */
    static synchronized void s3Running(Boolean up) {
        if (up) {
            s3.restart();
        } else {
            s3.stop();
        }
    }

    private static <T extends AutoCloseable> T register(T part) {
        STARTED.push(part);
        if (!hookAdded) {
            hookAdded = true;
            Thread hook = new Thread(SharedParts::closeAll, "sculptor-testing-shutdown");
            hook.setContextClassLoader(SharedParts.class.getClassLoader());
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return part;
    }

    private static void closeAll() {
        AutoCloseable part;
        while (true) {
            synchronized (SharedParts.class) {
                part = STARTED.poll();
            }
            if (part == null) {
                return;
            }
            try {
                part.close();
            } catch (Exception ignored) {
                // The JVM is exiting; the next part still gets its chance to stop.
            }
        }
    }

    /**
     * Calls a static method of this class on the system class loader's copy of it when that loader can
     * see it (Maven Surefire, IDEs), else on this copy.
     */
    static Object call(String method, Class<?>[] types, Object... args) {
        Class<?> target = SharedParts.class;
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (SharedParts.class.getClassLoader() != system) {
            try {
                target = Class.forName(SharedParts.class.getName(), true, system);
            } catch (ClassNotFoundException | LinkageError e) {
                target = SharedParts.class;
            }
        }
        try {
            Method m = target.getDeclaredMethod(method, types);
            m.setAccessible(true);
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the shared embedded parts", e);
        }
    }
}
