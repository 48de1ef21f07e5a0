package dev.sculptor.training.kubernetes;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where runs train: {@code sculptor.training.launcher} = {@code local} (this replica's Kafka worker trains them)
 * or {@code kubernetes} (one Job per run, {@link KubernetesLauncher}); and whether this process is such a Job's
 * pod ({@code sculptor.training.pod.run}, {@link PodRun}).
 */
@ApplicationScoped
public class LauncherMode {
    public static final String LOCAL = "local";
    public static final String KUBERNETES = "kubernetes";

    @ConfigProperty(name = "sculptor.training.launcher", defaultValue = LOCAL)
    String launcher;

    @ConfigProperty(name = "sculptor.training.pod.run")
    Optional<String> podRun;

    @PostConstruct
    void check() {
        if (!LOCAL.equals(launcher) && !KUBERNETES.equals(launcher)) {
            throw new IllegalArgumentException("sculptor.training.launcher must be 'local' or 'kubernetes', got '" + launcher + "'");
        }
    }

    /** Runs train as Kubernetes Jobs (and this process is not one of their pods). */
    public boolean kubernetes() {
        return KUBERNETES.equals(launcher) && podRun().isEmpty();
    }

    /** The run this process trains as a Job's pod, then exits; empty: the service. */
    public Optional<String> podRun() {
        return podRun.filter(s -> !s.isBlank());
    }
}
