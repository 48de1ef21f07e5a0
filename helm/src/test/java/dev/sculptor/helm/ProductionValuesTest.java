package dev.sculptor.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.sculptor.helm.Chart.COMPONENTS;
import static dev.sculptor.helm.Chart.PREFIX;
import static dev.sculptor.helm.DefaultValuesTest.container;
import static dev.sculptor.helm.DefaultValuesTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** production.yaml: external secrets, Strimzi topics, ServiceMonitors, HPAs, more replicas, tighter egress. */
class ProductionValuesTest {
    /** The platform's topics (services/platform/.../events/Topics.java). */
    static final List<String> TOPICS = List.of("sculptor.registry.events.v1", "sculptor.scoring.requests.v1",
            "sculptor.scoring.events.v1", "sculptor.training.requests.v1", "sculptor.training.events.v1",
            "sculptor.evaluation.requests.v1", "sculptor.evaluation.events.v1", "sculptor.pruning.requests.v1",
            "sculptor.pruning.events.v1");

    private static Chart.Rendering rendering;

    @BeforeAll
    static void render() {
        rendering = Chart.render("production.yaml");
    }

    @Test
    void strimziTopicsForEveryTopicAndItsDeadLetterTopic() {
        List<HasMetadata> topics = rendering.kind("KafkaTopic");
        assertEquals(18, topics.size());
        Map<String, GenericKubernetesResource> byTopic = topics.stream().map(GenericKubernetesResource.class::cast)
                .collect(Collectors.toMap(t -> (String) spec(t).get("topicName"), t -> t));
        assertEquals(TOPICS.stream().flatMap(t -> Stream.of(t, t + ".dlq")).collect(Collectors.toSet()), byTopic.keySet());
        for (Map.Entry<String, GenericKubernetesResource> e : byTopic.entrySet()) {
            GenericKubernetesResource topic = e.getValue();
            assertEquals("kafka.strimzi.io/v1beta2", topic.getApiVersion());
            assertEquals("prod", topic.getMetadata().getLabels().get("strimzi.io/cluster"));
            assertEquals("keep", topic.getMetadata().getAnnotations().get("helm.sh/resource-policy"), "an uninstall keeps the events");
            assertEquals("kafka", topic.getMetadata().getNamespace());
            assertTrue(topic.getMetadata().getName().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), topic.getMetadata().getName());
            assertEquals(12, ((Number) spec(topic).get("partitions")).intValue());
            assertEquals(3, ((Number) spec(topic).get("replicas")).intValue());
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) spec(topic).get("config");
            long expected = e.getKey().endsWith(".dlq") ? Duration.ofDays(14).toMillis() : Duration.ofDays(3).toMillis();
            assertEquals(expected, Long.parseLong(String.valueOf(config.get("retention.ms"))), e.getKey());
        }
        // the operator owns the topics: the services leave them alone but know the same settings
        for (String c : COMPONENTS) {
            Map<String, String> env = env(container(rendering, c));
            assertEquals("false", env.get("SCULPTOR_TOPICS_CREATE"), c);
            assertEquals("12", env.get("SCULPTOR_TOPICS_PARTITIONS"), c);
            assertEquals(Duration.ofDays(3), Duration.parse(env.get("SCULPTOR_TOPICS_RETENTION")), c);
            assertEquals("prod-kafka-bootstrap.kafka:9093", env.get("KAFKA_BOOTSTRAP_SERVERS"), c);
        }
    }

    @Test
    void serviceMonitorsScrapeEveryServicesMetrics() {
        List<ServiceMonitor> monitors = rendering.all(ServiceMonitor.class);
        assertEquals(COMPONENTS.stream().map(c -> PREFIX + c).collect(Collectors.toSet()),
                monitors.stream().map(m -> m.getMetadata().getName()).collect(Collectors.toSet()));
        for (ServiceMonitor m : monitors) {
            assertEquals("kube-prometheus", m.getMetadata().getLabels().get("release"));
            assertEquals("/q/metrics", m.getSpec().getEndpoints().get(0).getPath());
            assertEquals("http", m.getSpec().getEndpoints().get(0).getPort());
            assertEquals("15s", m.getSpec().getEndpoints().get(0).getInterval());
            String component = m.getMetadata().getName().substring(PREFIX.length());
            assertEquals(component, m.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"));
        }
    }

    @Test
    void hpasWhereEnabledAndTheDeploymentLeavesReplicasToThem() {
        List<HorizontalPodAutoscaler> hpas = rendering.all(HorizontalPodAutoscaler.class);
        assertEquals(Set.of(PREFIX + "registry", PREFIX + "evaluation"),
                hpas.stream().map(h -> h.getMetadata().getName()).collect(Collectors.toSet()));
        HorizontalPodAutoscaler registry = rendering.get(HorizontalPodAutoscaler.class, PREFIX + "registry");
        assertEquals(PREFIX + "registry", registry.getSpec().getScaleTargetRef().getName());
        assertEquals("Deployment", registry.getSpec().getScaleTargetRef().getKind());
        assertEquals(2, registry.getSpec().getMinReplicas());
        assertEquals(6, registry.getSpec().getMaxReplicas());
        assertEquals(60, registry.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
        assertEquals(Set.of("cpu", "memory"), rendering.get(HorizontalPodAutoscaler.class, PREFIX + "evaluation").getSpec()
                .getMetrics().stream().map(m -> m.getResource().getName()).collect(Collectors.toSet()));
        assertNull(rendering.deployment("registry").getSpec().getReplicas());
        assertEquals(3, rendering.deployment("scoring").getSpec().getReplicas());
    }

    @Test
    void aPodDisruptionBudgetExactlyWhereMoreThanOneReplicaRunsOrOneIsAskedFor() {
        Map<String, PodDisruptionBudget> pdbs = rendering.all(PodDisruptionBudget.class).stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getName().substring(PREFIX.length()), p -> p));
        // registry: HPA minimum 2; scoring: 3 replicas; pruning: minAvailable asked for; evaluation's HPA may go to 1
        assertEquals(Set.of("registry", "scoring", "pruning"), pdbs.keySet());
        assertEquals(1, pdbs.get("pruning").getSpec().getMinAvailable().getIntVal());
        assertNull(pdbs.get("pruning").getSpec().getMaxUnavailable());
        assertEquals(1, pdbs.get("scoring").getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void credentialsComeFromTheOperatorsSecrets() {
        Map<String, String> refs = secretRefs(container(rendering, "training"));
        assertEquals("sculptor-api-tokens/ADMIN", refs.get("SCULPTOR_ADMIN_TOKEN"));
        assertEquals("sculptor-api-tokens/WRITE", refs.get("SCULPTOR_WRITE_TOKEN"));
        assertEquals("sculptor-api-tokens/READ", refs.get("SCULPTOR_READ_TOKEN"));
        assertEquals("minio-sculptor/SECRET_KEY", refs.get("SCULPTOR_STORE_SECRET_KEY"));
        assertEquals("pg-sculptor/PGPASSWORD", refs.get("QUARKUS_DATASOURCE_PASSWORD"));
        Map<String, String> env = env(container(rendering, "training"));
        assertEquals("jdbc:postgresql://pg-primary.db.svc:6432/training?sslmode=require", env.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("sculptor_app", env.get("QUARKUS_DATASOURCE_USERNAME"));
        assertEquals("https://minio.storage.svc:9000", env.get("SCULPTOR_STORE_ENDPOINT"));
        assertEquals("sculptor-prod", env.get("SCULPTOR_STORE_ACCESS_KEY"));
        assertEquals("ml-sculptor", env.get("SCULPTOR_STORE_BUCKET"));
        Map<String, String> runRefs = secretRefs(rendering.jobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0));
        assertEquals(refs, runRefs, "the run pods read the same Secrets");
        Secrets.assertNoneInClear(rendering);
    }

    @Test
    void imagesComeFromTheConfiguredRegistry() {
        assertEquals("registry.example.com/ml/sculptor-model-registry:0.1.0-rc1", container(rendering, "registry").getImage());
        assertEquals("registry.example.com/ml/sculptor-training:0.1.0-rc1",
                rendering.jobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        rendering.pods().forEach((where, pod) ->
                assertEquals("registry-pull", pod.getImagePullSecrets().get(0).getName(), where));
    }

    @Test
    void egressIsNarrowedToTheConfiguredPeersAndPorts() {
        NetworkPolicy scoring = rendering.get(NetworkPolicy.class, PREFIX + "scoring");
        assertEquals(Set.of(53, 9093, 9000), DefaultValuesTest.egressPorts(rendering, "scoring"));
        assertTrue(scoring.getSpec().getEgress().stream().anyMatch(e -> e.getPorts().get(0).getPort().getIntVal() == 9093
                && e.getTo().get(0).getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name").equals("kafka")));
        assertTrue(rendering.get(NetworkPolicy.class, PREFIX + "training-run").getSpec().getEgress().stream()
                .anyMatch(e -> e.getPorts().get(0).getPort().getIntVal() == 6432
                        && "10.20.0.0/16".equals(e.getTo().get(0).getIpBlock().getCidr())));
        Set<String> namespaces = scoring.getSpec().getIngress().get(0).getFrom().stream()
                .filter(p -> p.getNamespaceSelector() != null)
                .map(p -> p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))
                .collect(Collectors.toSet());
        assertEquals(Set.of("ml-gateway", "monitoring"), namespaces);
    }

    @Test
    void theLocalLauncherTrainsInTheServiceAndRendersNoJobMachinery() {
        Chart.Rendering local = Chart.render(List.of("production.yaml"), Map.of("training.launcher", "local"));
        assertEquals("local", env(container(local, "training")).get("SCULPTOR_TRAINING_LAUNCHER"));
        assertFalse(env(container(local, "training")).containsKey("SCULPTOR_TRAINING_KUBERNETES_JOB_TEMPLATE"));
        assertEquals(List.of(), local.kind("ConfigMap"));
        assertEquals(List.of(), local.all(Role.class));
        assertTrue(local.find(NetworkPolicy.class, PREFIX + "training-run").isEmpty());
        assertFalse(local.deployment("training").getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertFalse(DefaultValuesTest.callers(local, "registry").contains("training-run"));
        assertFalse(DefaultValuesTest.egressPorts(local, "training").contains(6443));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource r) {
        return (Map<String, Object>) r.getAdditionalProperties().get("spec");
    }

    private static Map<String, String> secretRefs(Container c) {
        return c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .collect(Collectors.toMap(EnvVar::getName,
                        e -> e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey()));
    }
}
