package dev.sculptor.helm;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.sculptor.helm.Chart.COMPONENTS;
import static dev.sculptor.helm.Chart.NAMESPACE;
import static dev.sculptor.helm.Chart.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart with its own values (what `helm install` without a values file gives), linted and rendered. */
class DefaultValuesTest {
    private static Chart.Rendering rendering;
    /** The same, with the helm test hook Pod as an ordinary object. */
    private static Chart.Rendering withHooks;

    @BeforeAll
    static void render() {
        rendering = Chart.render();
        withHooks = Chart.renderTestHooks();
    }

    @Test
    void lintStrictPasses() {
        // the chart's own values, and each values file the other tests render
        for (List<String> files : List.of(List.<String>of(), List.of("gpu-pool.yaml"), List.of("production.yaml"),
                List.of("scoring-placed.yaml"))) {
            LintResult lint = Chart.lintStrict(files.toArray(String[]::new));
            assertFalse(lint.isFailed(), () -> "helm lint --strict " + files + ": " + lint.getMessages());
            List<String> problems = lint.getMessages().stream()
                    .filter(m -> m.contains("[WARNING]") || m.contains("[ERROR]")).toList();
            assertEquals(List.of(), problems, files.toString());
        }
    }

    @Test
    void rendersOneDeploymentServiceAndAccountPerComponentAndNothingOptional() {
        for (String c : COMPONENTS) {
            Deployment d = rendering.deployment(c);
            assertEquals(1, d.getSpec().getReplicas(), c);
            assertEquals(c, d.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"));
            rendering.get(io.fabric8.kubernetes.api.model.Service.class, PREFIX + c);
            rendering.get(ServiceAccount.class, PREFIX + c);
        }
        assertEquals(5, rendering.all(Deployment.class).size());
        // one replica each: no PDB (it would block node drains), and the optional objects are off by default
        for (String kind : List.of("PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceMonitor", "KafkaTopic", "Secret")) {
            assertEquals(List.of(), rendering.kind(kind), kind);
        }
    }

    @Test
    void everyObjectParsesIntoTheTypedModelWithNoUnknownField() {
        for (Chart.Rendering r : List.of(rendering, withHooks, Chart.render("gpu-pool.yaml"), Chart.render("production.yaml"))) {
            List<String> unknown = new java.util.ArrayList<>();
            r.objects.forEach(o -> unknown.addAll(StrictModel.unknownFields(o)));
            unknown.addAll(StrictModel.unknownFields(r.jobTemplate()));
            assertEquals(List.of(), unknown);
        }
        // and the walk does find one
        Job typo = Chart.render().jobTemplate();
        typo.getSpec().getTemplate().getSpec().getContainers().get(0).setAdditionalProperty("imagePullPolice", "Always");
        assertEquals(1, StrictModel.unknownFields(typo).size(), StrictModel.unknownFields(typo).toString());
    }

    @Test
    void imagesFollowTheContractNames() {
        assertEquals("ghcr.io/sculptor/sculptor-model-registry:0.1.0", container("registry").getImage());
        for (String c : List.of("scoring", "pruning", "training", "evaluation")) {
            assertEquals("ghcr.io/sculptor/sculptor-" + c + ":0.1.0", container(c).getImage());
        }
        Container train = rendering.jobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("ghcr.io/sculptor/sculptor-training:0.1.0", train.getImage());
    }

    @Test
    void everyServiceIsProbedOnTheQuarkusHealthEndpointsOfItsOnePort() {
        for (String c : COMPONENTS) {
            Container container = container(c);
            assertEquals(8080, container.getPorts().get(0).getContainerPort(), c);
            assertEquals("8080", env(container).get("QUARKUS_HTTP_PORT"), c);
            assertHttpProbe(container.getLivenessProbe(), "/q/health/live", c);
            assertHttpProbe(container.getReadinessProbe(), "/q/health/ready", c);
            assertHttpProbe(container.getStartupProbe(), "/q/health/live", c);
            var port = rendering.get(io.fabric8.kubernetes.api.model.Service.class, PREFIX + c).getSpec().getPorts().get(0);
            assertEquals(8080, port.getPort(), c);
            assertEquals("http", port.getTargetPort().getStrVal(), c);
        }
    }

    @Test
    void everyPodRunsNonRootWithAReadOnlyRootAndAWritableTmp() {
        assertTrue(rendering.all(Pod.class).isEmpty(), "the test Pod is a hook, not part of the release");
        Map<String, PodSpec> pods = withHooks.pods();
        assertTrue(pods.keySet().containsAll(Set.of("Job/training-run", "Pod/" + PREFIX + "test-grpc-health")), pods.keySet().toString());
        assertEquals(7, pods.size(), pods.keySet().toString());
        pods.forEach(DefaultValuesTest::assertLockedDown);
    }

    @Test
    void servicesAreConfiguredThroughTheContractEnvironment() {
        Map<String, String> registry = env(container("registry"));
        assertEquals("jdbc:postgresql://postgresql:5432/registry", registry.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("sculptor", registry.get("QUARKUS_DATASOURCE_USERNAME"));
        assertEquals("kafka:9092", registry.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("http://minio:9000", registry.get("SCULPTOR_STORE_ENDPOINT"));
        assertEquals("sculptor", registry.get("SCULPTOR_STORE_BUCKET"));
        assertEquals("true", registry.get("SCULPTOR_TOPICS_CREATE"));
        assertEquals("3", registry.get("SCULPTOR_TOPICS_PARTITIONS"));
        assertEquals("1", registry.get("SCULPTOR_TOPICS_REPLICATION_FACTOR"));
        assertEquals(Duration.ofDays(7), Duration.parse(registry.get("SCULPTOR_TOPICS_RETENTION")));
        assertEquals(Duration.ofDays(30), Duration.parse(registry.get("SCULPTOR_TOPICS_DLQ_RETENTION")));
        assertFalse(registry.containsKey("SCULPTOR_REGISTRY_GRPC"), "the registry does not call itself");
        assertTrue(registry.get("JAVA_OPTS").startsWith("-Dai.djl.offline=true"), registry.get("JAVA_OPTS"));

        for (String c : List.of("pruning", "training", "evaluation")) {
            assertEquals("jdbc:postgresql://postgresql:5432/" + c, env(container(c)).get("QUARKUS_DATASOURCE_JDBC_URL"), c);
        }
        assertFalse(env(container("scoring")).containsKey("QUARKUS_DATASOURCE_JDBC_URL"), "scoring keeps no state");
        for (String c : List.of("scoring", "pruning", "training", "evaluation")) {
            assertEquals(PREFIX + "registry:8080", env(container(c)).get("SCULPTOR_REGISTRY_GRPC"), c);
        }
        Map<String, String> pruning = env(container("pruning"));
        assertEquals("$(SCULPTOR_WRITE_TOKEN)", pruning.get("SCULPTOR_REGISTRY_TOKEN"), "pruning registers versions");
        assertEquals(PREFIX + "training:8080", pruning.get("SCULPTOR_TRAINING_GRPC"));
        assertEquals("$(SCULPTOR_READ_TOKEN)", env(container("scoring")).get("SCULPTOR_REGISTRY_TOKEN"));
    }

    @Test
    void tokensAndPasswordsAreOnlyReferencedFromSecrets() {
        // ordered: a $(VAR) reference expands only variables defined before it
        List<EnvVar> env = container("pruning").getEnv();
        List<String> names = env.stream().map(EnvVar::getName).toList();
        assertTrue(names.indexOf("SCULPTOR_READ_TOKEN") < names.indexOf("SCULPTOR_AUTH_TOKENS"));
        assertEquals("$(SCULPTOR_ADMIN_TOKEN):admin,$(SCULPTOR_WRITE_TOKEN):write,$(SCULPTOR_READ_TOKEN):read",
                env(container("pruning")).get("SCULPTOR_AUTH_TOKENS"));
        EnvVar admin = env.stream().filter(e -> e.getName().equals("SCULPTOR_ADMIN_TOKEN")).findFirst().orElseThrow();
        assertEquals("sculptor-auth", admin.getValueFrom().getSecretKeyRef().getName());
        assertEquals("admin-token", admin.getValueFrom().getSecretKeyRef().getKey());
        Secrets.assertNoneInClear(rendering);
    }

    @Test
    void aTokenPutInClearThroughExtraEnvIsCaught() {
        Chart.Rendering leaky = Chart.render(List.of(),
                Map.of("scoring.env[0].name", "SCULPTOR_REGISTRY_TOKEN", "scoring.env[0].value", "plain-token"));
        AssertionError e = assertThrows(AssertionError.class, () -> Secrets.assertNoneInClear(leaky));
        assertTrue(e.getMessage().contains("SCULPTOR_REGISTRY_TOKEN is in clear: plain-token"), e.getMessage());
    }

    @Test
    void trainingLaunchesGpuJobsFromTheMountedTemplate() {
        Deployment training = rendering.deployment("training");
        Map<String, String> env = env(container("training"));
        assertEquals("kubernetes", env.get("SCULPTOR_TRAINING_LAUNCHER"));
        assertEquals(NAMESPACE, env.get("SCULPTOR_TRAINING_KUBERNETES_NAMESPACE"));
        assertEquals("/etc/sculptor/training/job-template.yaml", env.get("SCULPTOR_TRAINING_KUBERNETES_JOB_TEMPLATE"));
        PodSpec pod = training.getSpec().getTemplate().getSpec();
        assertTrue(pod.getAutomountServiceAccountToken(), "the launcher calls the Kubernetes API");
        Volume volume = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertEquals(PREFIX + "training-job-template", volume.getConfigMap().getName());
        assertTrue(container("training").getVolumeMounts().stream()
                .anyMatch(m -> m.getName().equals(volume.getName()) && m.getMountPath().equals("/etc/sculptor/training")));
        assertNotNull(training.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/job-template"));
        for (String c : List.of("registry", "scoring", "pruning", "evaluation")) {
            assertFalse(rendering.deployment(c).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken(), c);
        }

        Job job = rendering.jobTemplate();
        assertEquals(3, job.getSpec().getBackoffLimit());
        assertEquals(86400L, job.getSpec().getActiveDeadlineSeconds());
        assertEquals(3600, job.getSpec().getTtlSecondsAfterFinished());
        assertNull(job.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
        assertEquals("sculptor-training", job.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        PodSpec run = job.getSpec().getTemplate().getSpec();
        assertEquals("Never", run.getRestartPolicy());
        assertEquals("training-run", job.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/component"));
        assertEquals(PREFIX + "training-run", run.getServiceAccountName());
        assertFalse(run.getAutomountServiceAccountToken());
        rendering.get(ServiceAccount.class, PREFIX + "training-run");
        Container train = run.getContainers().get(0);
        assertEquals("train", train.getName());
        assertEquals(new Quantity("1"), train.getResources().getRequests().get("nvidia.com/gpu"));
        assertEquals(new Quantity("1"), train.getResources().getLimits().get("nvidia.com/gpu"));
        assertTrue(run.getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())
                && "NoSchedule".equals(t.getEffect())), run.getTolerations().toString());
        Map<String, String> trainEnv = env(train);
        assertEquals("jdbc:postgresql://postgresql:5432/training", trainEnv.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertFalse(trainEnv.containsKey("SCULPTOR_TRAINING_LAUNCHER"), "a run pod trains; it launches nothing");
        // it trains its one run: no training requests taken from Kafka, no topics created, no wait for Kafka
        assertEquals("false", trainEnv.get("SCULPTOR_TRAINING_WORKER_ENABLED"));
        assertEquals("false", trainEnv.get("SCULPTOR_TOPICS_CREATE"));
        assertEquals("false", trainEnv.get("SCULPTOR_HEALTH_KAFKA"));
        assertFalse(env(container("training")).containsKey("SCULPTOR_HEALTH_KAFKA"), "the service's readiness waits for Kafka");
        assertFalse(env(container("training")).containsKey("SCULPTOR_TRAINING_WORKER_ENABLED"), "the service takes requests");
    }

    @Test
    void theTrainingServiceMayManageJobsAndReadPodsOnlyInItsNamespace() {
        Role role = rendering.get(Role.class, PREFIX + "training");
        Map<String, Set<String>> verbs = role.getRules().stream().collect(Collectors.toMap(
                r -> r.getApiGroups().get(0) + "/" + String.join(",", r.getResources()), r -> Set.copyOf(r.getVerbs())));
        assertEquals(Map.of("batch/jobs", Set.of("create", "get", "list", "watch", "delete", "patch"),
                "/pods", Set.of("get", "list", "watch")), verbs);
        RoleBinding binding = rendering.get(RoleBinding.class, PREFIX + "training");
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(1, binding.getSubjects().size());
        assertEquals(PREFIX + "training", binding.getSubjects().get(0).getName());
        assertEquals(NAMESPACE, binding.getSubjects().get(0).getNamespace());
        assertEquals(1, rendering.all(Role.class).size());
        assertEquals(0, rendering.kind("ClusterRole").size());
    }

    @Test
    void networkPoliciesLetEachComponentTalkOnlyToWhatItUses() {
        assertEquals(6, rendering.all(NetworkPolicy.class).size());
        assertEquals(Set.of("scoring", "pruning", "training", "evaluation", "training-run", "test"), callers("registry"));
        assertEquals(Set.of("pruning", "test"), callers("training"));
        for (String c : List.of("scoring", "pruning", "evaluation")) {
            assertEquals(Set.of("test"), callers(c), c);
        }
        for (String c : COMPONENTS) {
            assertTrue(clientPeers(c).stream().anyMatch(p -> p.getPodSelector() != null
                    && "true".equals(p.getPodSelector().getMatchLabels().get("sculptor.dev/client"))), c);
        }
        assertEquals(Set.of(), callees("registry"));
        assertEquals(Set.of("registry", "training"), callees("pruning"));
        assertEquals(Set.of("registry"), callees("scoring"));
        assertEquals(Set.of("registry"), callees("evaluation"));
        assertEquals(Set.of("registry"), callees("training"));
        assertEquals(Set.of("registry"), callees("training-run"));

        // external parts, by port: Kafka 9092 for the services, PostgreSQL 5432 where there is a database, S3, DNS
        assertEquals(Set.of(53, 9092, 9000, 443), egressPorts("scoring"));
        assertEquals(Set.of(53, 9092, 5432, 9000, 443), egressPorts("registry"));
        assertEquals(Set.of(53, 9092, 5432, 9000, 443, 6443), egressPorts("training"), "and the Kubernetes API");
        assertEquals(Set.of(53, 5432, 9000, 443), egressPorts("training-run"), "the outbox, the store, the registry");
        NetworkPolicy run = rendering.get(NetworkPolicy.class, PREFIX + "training-run");
        assertEquals(List.of(), run.getSpec().getIngress());
        assertEquals("training-run", run.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component"));
        assertEquals(rendering.jobTemplate().getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/instance"),
                run.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/instance"));
    }

    @Test
    void theHelmTestChecksEveryServicesGrpcHealth() {
        Pod test = withHooks.get(Pod.class, PREFIX + "test-grpc-health");
        assertEquals("Never", test.getSpec().getRestartPolicy());
        assertEquals("test", test.getMetadata().getLabels().get("app.kubernetes.io/component"));
        Set<String> addresses = test.getSpec().getContainers().stream()
                .peek(c -> assertEquals("ghcr.io/grpc-ecosystem/grpc-health-probe:v0.4.37", c.getImage()))
                .map(c -> c.getArgs().get(0)).collect(Collectors.toSet());
        assertEquals(COMPONENTS.stream().map(c -> "-addr=" + PREFIX + c + ":8080").collect(Collectors.toSet()), addresses);
    }

    @Test
    void theNotesNameTheServicesTheSecretsToCreateAndTheHelmTest() {
        // NOTES.txt is printed by install, not by template: a client-only dry run renders it
        String notes = Chart.helm().install().withName(Chart.RELEASE).withNamespace(NAMESPACE).clientOnly().dryRun().call().getOutput();
        for (String c : COMPONENTS) {
            assertTrue(notes.contains(PREFIX + c + "." + NAMESPACE + ".svc:8080"), notes);
        }
        assertTrue(notes.contains("sculptor-auth (keys admin-token, write-token, read-token)"), notes);
        assertTrue(notes.contains("sculptor-s3 (key secret-key)"), notes);
        assertTrue(notes.contains("sculptor-postgresql (key password)"), notes);
        assertTrue(notes.contains("asking for 1 nvidia.com/gpu"), notes);
        assertTrue(notes.contains("helm test " + Chart.RELEASE + " -n " + NAMESPACE), notes);
    }

    static Container container(String component) {
        return container(rendering, component);
    }

    static Container container(Chart.Rendering r, String component) {
        return r.deployment(component).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    /** Plain env values by name (references to Secrets map to null). */
    static Map<String, String> env(Container container) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        return env;
    }

    static void assertHttpProbe(Probe probe, String path, String where) {
        assertNotNull(probe, where);
        assertEquals(path, probe.getHttpGet().getPath(), where);
        assertEquals("http", probe.getHttpGet().getPort().getStrVal(), where);
        assertTrue(probe.getPeriodSeconds() > 0 && probe.getFailureThreshold() > 0, where);
    }

    static void assertLockedDown(String where, PodSpec pod) {
        var podContext = pod.getSecurityContext();
        assertNotNull(podContext, where);
        assertTrue(podContext.getRunAsNonRoot(), where);
        assertEquals(10001L, podContext.getRunAsUser(), where);
        assertEquals("RuntimeDefault", podContext.getSeccompProfile().getType(), where);
        for (Container c : pod.getContainers()) {
            SecurityContext sc = c.getSecurityContext();
            String at = where + "/" + c.getName();
            assertNotNull(sc, at);
            assertTrue(sc.getRunAsNonRoot(), at);
            assertEquals(10001L, sc.getRunAsUser(), at);
            assertTrue(sc.getReadOnlyRootFilesystem(), at);
            assertFalse(sc.getAllowPrivilegeEscalation(), at);
            assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), at);
            assertEquals("RuntimeDefault", sc.getSeccompProfile().getType(), at);
        }
        if (where.startsWith("Pod/")) {
            return; // the probe writes nothing
        }
        Volume tmp = pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": no tmp volume"));
        assertNotNull(tmp.getEmptyDir(), where);
        assertNotNull(tmp.getEmptyDir().getSizeLimit(), where);
        assertTrue(pod.getContainers().get(0).getVolumeMounts().stream()
                .anyMatch(m -> m.getName().equals("tmp") && m.getMountPath().equals("/tmp")), where);
    }

    private static NetworkPolicy policy(String component) {
        return rendering.get(NetworkPolicy.class, PREFIX + component);
    }

    /** Components (by their component label) allowed in. */
    static Set<String> callers(String component) {
        return callers(rendering, component);
    }

    static Set<String> callers(Chart.Rendering r, String component) {
        return r.get(NetworkPolicy.class, PREFIX + component).getSpec().getIngress().stream()
                .flatMap(i -> i.getFrom().stream())
                .map(NetworkPolicyPeer::getPodSelector)
                .filter(s -> s != null && s.getMatchLabels() != null && s.getMatchLabels().containsKey("app.kubernetes.io/component"))
                .map(s -> s.getMatchLabels().get("app.kubernetes.io/component"))
                .collect(Collectors.toSet());
    }

    static List<NetworkPolicyPeer> clientPeers(String component) {
        return policy(component).getSpec().getIngress().stream().flatMap(i -> i.getFrom().stream())
                .filter(p -> p.getPodSelector() == null || p.getPodSelector().getMatchLabels() == null
                        || !p.getPodSelector().getMatchLabels().containsKey("app.kubernetes.io/component"))
                .toList();
    }

    /** Components this one may call (egress peers selected by component label). */
    static Set<String> callees(String component) {
        return policy(component).getSpec().getEgress().stream()
                .flatMap(e -> e.getTo() == null ? java.util.stream.Stream.empty() : e.getTo().stream())
                .map(NetworkPolicyPeer::getPodSelector)
                .filter(s -> s != null && s.getMatchLabels() != null && s.getMatchLabels().containsKey("app.kubernetes.io/component"))
                .map(s -> s.getMatchLabels().get("app.kubernetes.io/component"))
                .collect(Collectors.toSet());
    }

    /** Every port egress is allowed on, except the component calls (8080). */
    static Set<Integer> egressPorts(String component) {
        return egressPorts(rendering, component);
    }

    static Set<Integer> egressPorts(Chart.Rendering r, String component) {
        return r.get(NetworkPolicy.class, PREFIX + component).getSpec().getEgress().stream()
                .flatMap(e -> e.getPorts().stream())
                .map(p -> p.getPort().getIntVal())
                .filter(p -> p != 8080)
                .collect(Collectors.toSet());
    }
}
