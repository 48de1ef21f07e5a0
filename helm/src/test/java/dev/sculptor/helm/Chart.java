package dev.sculptor.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The chart under test, rendered with helm-java (Helm in the JVM) and parsed into fabric8's typed model. */
final class Chart {
    static final String RELEASE = "demo";
    static final String NAMESPACE = "ml";
    static final String PREFIX = RELEASE + "-sculptor-";
    static final List<String> COMPONENTS = List.of("registry", "scoring", "pruning", "training", "evaluation");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    static {
        // helm-java unpacks its native library into java.io.tmpdir: a fresh build's target/tmp must exist first
        try {
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create java.io.tmpdir", e);
        }
    }

    private Chart() {}

    /** helm/sculptor: from -Dsculptor.chart.dir (the pom sets it), else relative to the module. */
    static Path dir() {
        return Path.of(System.getProperty("sculptor.chart.dir", "sculptor")).toAbsolutePath();
    }

    static Helm helm() {
        return new Helm(dir());
    }

    /** A values file of src/test/resources. */
    static Path values(String name) {
        try {
            return Path.of(Chart.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("no test values file " + name, e);
        }
    }

    /** helm template with these values files (in order) and --set pairs; the rendered text. */
    static String template(List<String> valuesFiles, Map<String, String> sets) {
        TemplateCommand command = helm().template().withName(RELEASE).withNamespace(NAMESPACE);
        for (String file : valuesFiles) {
            command = command.withValuesFile(values(file));
        }
        for (Map.Entry<String, String> set : sets.entrySet()) {
            command = command.set(set.getKey(), set.getValue());
        }
        return command.call();
    }

    static Rendering render(String... valuesFiles) {
        return new Rendering(template(List.of(valuesFiles), Map.of()));
    }

    /**
     * The test hooks (templates/tests), rendered as plain objects: helm-java's template returns the release manifest
     * only, without hooks (the helm CLI prints them too). A copy of the chart with the hook annotation lines removed
     * renders them as ordinary objects; everything else in the copy is the chart as it is.
     */
    static Rendering renderTestHooks(String... valuesFiles) {
        try {
            Path copy = Files.createTempDirectory("sculptor-chart");
            try (Stream<Path> files = Files.walk(dir())) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(dir().relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (source.getParent().getFileName().toString().equals("tests")) {
                        String text = Files.readString(source);
                        if (!text.contains("helm.sh/hook: test")) {
                            throw new AssertionError(source + " is not a helm test hook");
                        }
                        Files.writeString(target, text.replaceAll("(?m)^\\s*helm\\.sh/hook[-a-z]*:.*\\R", ""));
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            TemplateCommand command = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE);
            for (String file : valuesFiles) {
                command = command.withValuesFile(values(file));
            }
            return new Rendering(command.call());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * helm lint --strict with these values files over the chart's own, as {@code helm lint --strict -f ...} would: helm-java
     * 0.0.21's lint takes no values files, so it lints a copy of the chart whose values.yaml is the chart's merged with
     * the files in order (Helm's merge: maps merge key by key, anything else replaces, null removes the key).
     */
    static LintResult lintStrict(String... valuesFiles) {
        if (valuesFiles.length == 0) {
            return helm().lint().strict().call();
        }
        try {
            Path copy = Files.createTempDirectory("sculptor-chart-lint");
            try (Stream<Path> files = Files.walk(dir())) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(dir().relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Map<String, Object> values = yamlMap(dir().resolve("values.yaml"));
            for (String file : valuesFiles) {
                values = merge(values, yamlMap(values(file)));
            }
            Files.writeString(copy.resolve("values.yaml"), SERIALIZATION.asYaml(values));
            return new Helm(copy).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yamlMap(Path file) throws IOException {
        return SERIALIZATION.unmarshal(Files.readString(file), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        over.forEach((key, value) -> {
            if (value == null) {
                out.remove(key);
            } else if (value instanceof Map && out.get(key) instanceof Map) {
                out.put(key, merge((Map<String, Object>) out.get(key), (Map<String, Object>) value));
            } else {
                out.put(key, value);
            }
        });
        return out;
    }

    static Rendering render(List<String> valuesFiles, Map<String, String> sets) {
        return new Rendering(template(valuesFiles, sets));
    }

    /** Every object of one rendering, typed (kinds fabric8 does not know, such as KafkaTopic, stay generic). */
    static final class Rendering {
        final String text;
        final List<HasMetadata> objects;

        Rendering(String text) {
            this.text = text;
            this.objects = new ArrayList<>();
            for (String document : DOCUMENT_SEPARATOR.split(text)) {
                if (document.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
                    continue;
                }
                KubernetesResource parsed = SERIALIZATION.unmarshal(document, KubernetesResource.class);
                if (!(parsed instanceof HasMetadata object)) {
                    throw new AssertionError("not a Kubernetes object:\n" + document);
                }
                objects.add(object);
            }
        }

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
        }

        List<HasMetadata> kind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.getKind())).collect(Collectors.toList());
        }

        <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
            return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
        }

        <T extends HasMetadata> T get(Class<T> type, String name) {
            return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
                    + " among " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
        }

        /** Every pod the release runs, by owner: the Deployments, the training run Job (if any), the test hook Pods. */
        Map<String, PodSpec> pods() {
            Map<String, PodSpec> pods = new LinkedHashMap<>();
            all(Deployment.class).forEach(d -> pods.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
            if (find(ConfigMap.class, PREFIX + "training-job-template").isPresent()) {
                pods.put("Job/training-run", jobTemplate().getSpec().getTemplate().getSpec());
            }
            all(Pod.class).forEach(p -> pods.put("Pod/" + p.getMetadata().getName(), p.getSpec()));
            return pods;
        }

        Deployment deployment(String component) {
            return get(Deployment.class, PREFIX + component);
        }

        /** The training run Job the training service reads from its ConfigMap. */
        Job jobTemplate() {
            ConfigMap map = get(ConfigMap.class, PREFIX + "training-job-template");
            String yaml = map.getData().get("job-template.yaml");
            if (yaml == null) {
                throw new AssertionError("the job template ConfigMap has no job-template.yaml: " + map.getData().keySet());
            }
            return SERIALIZATION.unmarshal(yaml, Job.class);
        }
    }
}
