package dev.sculptor.training;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * fabric8's mock API server in CRUD mode (it stores what it is sent and schedules nothing: the test plays the
 * kubelet), and a Job template as the chart renders one: a {@code train} container with one GPU (request =
 * limit), a secret reference, the GPU pool's nodeSelector and toleration, a writable /tmp.
 */
public class KubernetesMockResource implements QuarkusTestResourceLifecycleManager {
    static final String NAMESPACE = "sculptor-test";

    static final String TEMPLATE = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              labels:
                app.kubernetes.io/name: sculptor
            spec:
              template:
                spec:
                  serviceAccountName: sculptor-training-run
                  nodeSelector:
                    sculptor.dev/pool: gpu
                  tolerations:
                    - key: nvidia.com/gpu
                      operator: Exists
                      effect: NoSchedule
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 10001
                  containers:
                    - name: train
                      image: registry.example/sculptor-training:1.0
                      env:
                        - name: SCULPTOR_STORE_SECRET_KEY
                          valueFrom:
                            secretKeyRef:
                              name: sculptor-store
                              key: secret-key
                      resources:
                        requests:
                          nvidia.com/gpu: 1
                          memory: 4Gi
                        limits:
                          nvidia.com/gpu: 1
                          memory: 4Gi
                      volumeMounts:
                        - name: tmp
                          mountPath: /tmp
                  volumes:
                    - name: tmp
                      emptyDir: {}
            """;

    private KubernetesMockServer server;
    private Path dir;

    @Override
    public Map<String, String> start() {
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        try {
            dir = Files.createTempDirectory("job-template");
            Files.writeString(dir.resolve("job-template.yaml"), TEMPLATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "sculptor.training.kubernetes.api-server", server.url("/"),
                "sculptor.training.kubernetes.namespace", NAMESPACE,
                "sculptor.training.kubernetes.job-template", dir.resolve("job-template.yaml").toString());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.destroy();
        }
        if (dir != null) {
            dev.sculptor.platform.store.WorkDirs.deleteTree(dir);
        }
    }
}
