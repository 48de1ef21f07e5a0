package dev.sculptor.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sculptor.platform.errors.PlatformException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PageTokensTest {
    @Test
    void tokenIsBase64urlOfPositionAndFilter() {
        assertEquals("NDJ8c3RhdGUgPSBGQUlMRUQ", PageTokens.encode(42, "state = FAILED"));
        assertEquals(42, PageTokens.decodeLong("NDJ8c3RhdGUgPSBGQUlMRUQ", "state = FAILED"));
        assertEquals("trigger-a", PageTokens.decode(PageTokens.encode("trigger-a", ""), ""));
    }

    @Test
    void noTokenIsTheFirstPage() {
        assertEquals("", PageTokens.decode("", "x = y"));
        assertEquals(0, PageTokens.decodeLong("", "x = y"));
        assertEquals(0, PageTokens.decodeLong(null, ""));
    }

    @Test
    void anotherFilterIsRefused() {
        PlatformException e = assertThrows(PlatformException.class, () -> PageTokens.decodeLong(PageTokens.encode(7, "a = b"), "a = c"));
        assertEquals(PlatformException.Code.INVALID_ARGUMENT, e.code());
        assertEquals("page_token: was made for another filter; the filter must not change between pages", e.getMessage());
    }

    @Test
    void aTokenThisApiDidNotMakeIsRefused() {
        for (String bad : new String[] {"%%%", b64("no bar"), b64("|empty position"), b64("x|")}) {
            PlatformException e = assertThrows(PlatformException.class, () -> PageTokens.decodeLong(bad, ""), bad);
            assertEquals("page_token: is not a token this API returned", e.getMessage());
        }
    }

    @Test
    void pageSizesDefaultAndAreCapped() {
        assertEquals(50, PageTokens.pageSize(0));
        assertEquals(7, PageTokens.pageSize(7));
        assertEquals(1000, PageTokens.pageSize(5000));
        assertEquals("page_size: must be >= 0, got -1", assertThrows(PlatformException.class, () -> PageTokens.pageSize(-1)).getMessage());
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
