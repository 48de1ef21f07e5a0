package dev.sculptor.registry.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry's rules that need no running service. */
class RegistryServiceTest {
    @Test
    void tempPathsAreCutToTheFileName() {
        assertEquals("params.bin: missing, but listed in manifest.json", RegistryService.withoutTempPaths(
                "/tmp/sculptor-upload-123456/params.bin: missing, but listed in manifest.json"));
        assertEquals("cannot create : No space left", RegistryService.withoutTempPaths(
                "cannot create /var/tmp/work/sculptor-upload-9: No space left"));
        assertEquals("s3://sculptor/jobs/j/params.bin: missing", RegistryService.withoutTempPaths(
                "s3://sculptor/jobs/j/params.bin: missing"), "a client's own URI stays");
    }

    @Test
    void fingerprintsCompareContentNotKeyOrderOrSource() {
        RegistryService.Registration a = new RegistryService.Registration(false, "d", List.of("t"),
                "{\"method\":\"l1\",\"settings\":{\"ratio\":0.5,\"prune_job\":\"pruneJobs/j\"}}", "r", null);
        RegistryService.Registration b = new RegistryService.Registration(false, "d", List.of("t"),
                "{\"settings\":{\"prune_job\":\"pruneJobs/j\",\"ratio\":0.5},\"method\":\"l1\"}", "r", null);
        assertEquals(a.fingerprint(), b.fingerprint());
        assertNotEquals(a.fingerprint(), new RegistryService.Registration(false, "d", List.of("t", "u"), a.lineageJson(), "r", null)
                .fingerprint());
        assertNotEquals(a.fingerprint(), new RegistryService.Registration(true, "d", List.of("t"), a.lineageJson(), "r", null)
                .fingerprint());
        assertEquals(JsonParser.parseString("{\"a\":[{\"b\":1,\"c\":2}],\"z\":0}"),
                RegistryService.canonical(JsonParser.parseString("{\"z\":0,\"a\":[{\"c\":2,\"b\":1}]}")));
    }
}
