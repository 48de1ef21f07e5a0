package dev.sculptor.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;

import org.jboss.logmanager.Logger;

/**
 * Lowers the embedded parts' own loggers to WARN: a Kafka broker alone logs several hundred INFO lines
 * per start. Loggers already given a level (logging.properties, quarkus.log.category) are left alone,
 * and {@code -Dsculptor.testing.verbose=true} turns this off.
 */
final class QuietLogs {

    private static final List<String> CATEGORIES = List.of(
            "kafka", "org.apache.kafka", "state.change.logger", "org.apache.zookeeper",
            "org.gaul", "org.eclipse.jetty", "org.jclouds", "jclouds",
            "io.zonky.test.db.postgres");

    // Strong references: a logger's level must outlive the last logger object that asked for it.
    private static final List<Logger> HELD = new CopyOnWriteArrayList<>();

    private QuietLogs() {
    }

    static void apply() {
        if (Boolean.getBoolean("sculptor.testing.verbose") || !HELD.isEmpty()) {
            return;
        }
        try {
            for (String category : CATEGORIES) {
                Logger logger = Logger.getLogger(category);
                if (logger.getLevel() == null) {
                    logger.setLevel(Level.WARNING);
                }
                HELD.add(logger);
            }
        } catch (LinkageError e) {
            // jboss-logmanager excluded by the consumer: logging is then theirs to configure.
        }
    }
}
