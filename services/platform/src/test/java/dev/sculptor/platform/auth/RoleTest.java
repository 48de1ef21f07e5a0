package dev.sculptor.platform.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleTest {
    @Test
    void methodsNeedTheRoleOfTheirVerb() {
        assertEquals(Role.READ, Role.requiredFor("GetModel"));
        assertEquals(Role.READ, Role.requiredFor("ListVersions"));
        assertEquals(Role.READ, Role.requiredFor("WatchPruneJob"));
        assertEquals(Role.READ, Role.requiredFor("DownloadVersion"));
        assertEquals(Role.WRITE, Role.requiredFor("UploadVersion"));
        assertEquals(Role.WRITE, Role.requiredFor("SetAlias"));
        assertEquals(Role.WRITE, Role.requiredFor("CancelPruneJob"));
        assertEquals(Role.ADMIN, Role.requiredFor("DeleteVersion"));
        assertTrue(Role.ADMIN.covers(Role.WRITE));
        assertFalse(Role.READ.covers(Role.WRITE));
    }

    @Test
    void tokensParseAndBadEntriesAreNamed() {
        TokenRoles t = new TokenRoles(List.of("abc:read", "def:ADMIN", " "));
        assertEquals(Optional.of(Role.READ), t.roleOf("abc"));
        assertEquals(Optional.of(Role.ADMIN), t.roleOf("def"));
        assertEquals(Optional.empty(), t.roleOf("nope"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TokenRoles(List.of("abc:root"))).getMessage()
                .contains("unknown role 'root'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TokenRoles(List.of("justatoken"))).getMessage()
                .contains("token:role"));
    }
}
