package dev.sculptor.local;

import dev.sculptor.local.ServiceDefs.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * The ports of one {@code up}: for each component an explicit flag, else the port it already runs on, else the
 * default; then whether every port can be taken. Problems are collected as one-line messages naming the port, the
 * component and the flag that moves it, so that {@code up} reports all of them before it starts anything.
 */
final class PortPlan {
    static final int DEFAULT_KAFKA_PORT = 19092;
    static final int DEFAULT_S3_PORT = 19000;
    static final int DEFAULT_POSTGRES_PORT = 15432;
    static final int DEFAULT_PORT_BASE = 18081;

    /** The port flags of {@code up}; null where not given. */
    record Requested(Integer kafka, Integer kafkaController, Integer s3, Integer postgres, Integer portBase) {}

    final int kafka;
    final int kafkaController;
    final int s3;
    final int postgres;
    final int portBase;
    /** Each service's port, in the order of the definitions. */
    final Map<String, Integer> services;
    final List<String> errors;

    private PortPlan(int kafka, int kafkaController, int s3, int postgres, int portBase, Map<String, Integer> services,
            List<String> errors) {
        this.kafka = kafka;
        this.kafkaController = kafkaController;
        this.s3 = s3;
        this.postgres = postgres;
        this.portBase = portBase;
        this.services = services;
        this.errors = errors;
    }

    /**
     * Chooses the ports. A running component keeps its port (saved by the last up), and asking it to move is an error;
     * a port outside 1..65535 is an error.
     */
    static PortPlan choose(Requested flags, Map<String, OptionalLong> running, Properties saved, List<Service> services) {
        List<String> errors = new ArrayList<>();
        int kafka = choose(running, saved, errors, "kafka", "kafka.port", flags.kafka(), DEFAULT_KAFKA_PORT, "--kafka-port");
        int ctl = choose(running, saved, errors, "kafka", "kafka.controller-port", flags.kafkaController(),
                flags.kafka() != null ? flags.kafka() + 1 : kafka + 1, "--kafka-controller-port");
        int s3 = choose(running, saved, errors, "s3", "s3.port", flags.s3(), DEFAULT_S3_PORT, "--s3-port");
        int pg = choose(running, saved, errors, "postgres", "postgres.port", flags.postgres(), DEFAULT_POSTGRES_PORT,
                "--postgres-port");
        int base = flags.portBase() != null ? flags.portBase()
                : services.stream().anyMatch(s -> running.get(s.name()).isPresent())
                        ? intProp(saved, "services.port-base", DEFAULT_PORT_BASE) : DEFAULT_PORT_BASE;
        Map<String, Integer> servicePorts = new LinkedHashMap<>();
        for (Service s : services) {
            servicePorts.put(s.name(), choose(running, saved, errors, s.name(), "service." + s.name() + ".port",
                    flags.portBase() != null ? Integer.valueOf(flags.portBase() + s.portOffset()) : null,
                    base + s.portOffset(), "--port-base"));
        }
        return new PortPlan(kafka, ctl, s3, pg, base, servicePorts, errors);
    }

    /** The ports {@code status} reports: those the last up saved, else the defaults. */
    static PortPlan saved(Properties saved, List<Service> services) {
        int base = intProp(saved, "services.port-base", DEFAULT_PORT_BASE);
        Map<String, Integer> servicePorts = new LinkedHashMap<>();
        for (Service s : services) {
            servicePorts.put(s.name(), intProp(saved, "service." + s.name() + ".port", base + s.portOffset()));
        }
        return new PortPlan(intProp(saved, "kafka.port", DEFAULT_KAFKA_PORT), intProp(saved, "kafka.controller-port", 0),
                intProp(saved, "s3.port", DEFAULT_S3_PORT), intProp(saved, "postgres.port", DEFAULT_POSTGRES_PORT), base,
                servicePorts, new ArrayList<>());
    }

    /**
     * Adds an error for each port given to two components, and for each port a component that is not running cannot
     * bind ({@code bindable} answers; a running component holds its own). Services that are neither built nor running
     * claim nothing.
     */
    void checkFree(Map<String, OptionalLong> running, List<Service> services, Predicate<Service> built, IntPredicate bindable) {
        Map<Integer, String> claimed = new LinkedHashMap<>();
        claim(claimed, kafka, "kafka", running, bindable, "--kafka-port");
        claim(claimed, kafkaController, "kafka", running, bindable, "--kafka-controller-port");
        claim(claimed, s3, "s3", running, bindable, "--s3-port");
        claim(claimed, postgres, "postgres", running, bindable, "--postgres-port");
        for (Service s : services) {
            if (built.test(s) || running.get(s.name()).isPresent()) {
                claim(claimed, this.services.get(s.name()), s.name(), running, bindable, "--port-base");
            }
        }
    }

    /** What {@code up} saves in stack.properties. */
    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("kafka.port", Integer.toString(kafka));
        p.setProperty("kafka.controller-port", Integer.toString(kafkaController));
        p.setProperty("s3.port", Integer.toString(s3));
        p.setProperty("postgres.port", Integer.toString(postgres));
        p.setProperty("services.port-base", Integer.toString(portBase));
        services.forEach((n, port) -> p.setProperty("service." + n + ".port", Integer.toString(port)));
        return p;
    }

    static int intProp(Properties p, String key, int dflt) {
        try {
            return Integer.parseInt(p.getProperty(key, Integer.toString(dflt)).trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static int choose(Map<String, OptionalLong> running, Properties saved, List<String> errors, String component,
            String key, Integer flag, int dflt, String flagName) {
        String have = saved.getProperty(key);
        if (running.get(component).isPresent() && have != null) {
            int p = Integer.parseInt(have.trim());
            if (flag != null && flag != p) {
                errors.add(component + " is already running on port " + p + " (pid " + running.get(component).getAsLong()
                        + "); run `down` before moving it to " + flag + " (" + flagName + ")");
            }
            return p;
        }
        int p = flag != null ? flag : dflt;
        if (p < 1 || p > 65535) {
            errors.add("port " + p + " (" + component + ") is not a valid port (" + flagName + ")");
        }
        return p;
    }

    private void claim(Map<Integer, String> claimed, int port, String component, Map<String, OptionalLong> running,
            IntPredicate bindable, String flagName) {
        String other = claimed.putIfAbsent(port, component);
        if (other != null) {
            errors.add("port " + port + " is given to both " + other + " and " + component + " (" + flagName + ")");
            return;
        }
        if (running.get(component).isEmpty() && port > 0 && port < 65536 && !bindable.test(port)) {
            errors.add("port " + port + " (" + component + ") is already in use by another process; stop it or choose another port with "
                    + flagName);
        }
    }
}
