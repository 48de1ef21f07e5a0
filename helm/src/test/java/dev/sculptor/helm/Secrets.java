package dev.sculptor.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** "No secret in clear": credentials reach the pods only as Secret references (or $(VAR) expansions of them). */
final class Secrets {
    /** Env names that carry a credential. SCULPTOR_STORE_ACCESS_KEY is an identifier, not a secret. */
    private static final Pattern CREDENTIAL = Pattern.compile(".*(TOKEN|TOKENS|PASSWORD|SECRET_KEY)$");
    /** Values made only of references to other variables, e.g. "$(A):admin,$(B):write". */
    private static final Pattern ONLY_REFERENCES = Pattern.compile("^\\$\\([A-Z_]+\\)(:[a-z]+)?(,\\$\\([A-Z_]+\\)(:[a-z]+)?)*$");

    private Secrets() {}

    static void assertNoneInClear(Chart.Rendering rendering) {
        assertEquals(List.of(), rendering.kind("Secret"), "the chart creates no Secret");
        int credentials = 0;
        for (Map.Entry<String, PodSpec> pod : rendering.pods().entrySet()) {
            for (Container c : pod.getValue().getContainers()) {
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    String at = pod.getKey() + "/" + c.getName() + " " + e.getName();
                    if (!CREDENTIAL.matcher(e.getName()).matches()) {
                        continue;
                    }
                    credentials++;
                    if (e.getValueFrom() != null) {
                        assertNotNull(e.getValueFrom().getSecretKeyRef(), at + " must come from a Secret");
                        assertFalse(e.getValueFrom().getSecretKeyRef().getName().isBlank(), at);
                    } else {
                        assertTrue(e.getValue() != null && ONLY_REFERENCES.matcher(e.getValue()).matches(),
                                at + " is in clear: " + e.getValue());
                    }
                }
            }
        }
        assertTrue(credentials > 0, "found no credential variables at all: the check looked at nothing");
    }
}
