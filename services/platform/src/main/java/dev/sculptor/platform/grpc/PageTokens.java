package dev.sculptor.platform.grpc;

import dev.sculptor.platform.errors.PlatformException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * AIP-158 page tokens: base64url of {@code position|filter}. The token carries the filter it was
 * made for, so a request that changes the filter between pages is refused rather than paged wrongly;
 * a token this API did not make is INVALID_ARGUMENT on {@code page_token}.
 */
public final class PageTokens {
    private static final String NOT_OURS = "is not a token this API returned";
    /** AIP-158: the page size when the request gives none, and the most a page holds. */
    public static final int DEFAULT_PAGE_SIZE = 50;
    public static final int MAX_PAGE_SIZE = 1000;

    private PageTokens() {}

    /**
     * The size of the page to return for a request's {@code page_size}: the default for 0, at most the maximum.
     *
     * @throws PlatformException INVALID_ARGUMENT on {@code page_size} when negative
     */
    public static int pageSize(int requested) {
        if (requested < 0) {
            throw PlatformException.invalid("page_size", "must be >= 0, got " + requested);
        }
        return requested == 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
    }

    /** The token for the page after {@code position} (a sequence number or key), bound to {@code filter}. */
    public static String encode(String position, String filter) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((position + "|" + filter).getBytes(StandardCharsets.UTF_8));
    }

    public static String encode(long position, String filter) {
        return encode(Long.toString(position), filter);
    }

    /** The position a token carries; {@code ""} for no token (the first page). */
    public static String decode(String token, String filter) {
        if (token == null || token.isEmpty()) {
            return "";
        }
        String s;
        try {
            s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw PlatformException.invalid("page_token", NOT_OURS);
        }
        int bar = s.indexOf('|');
        if (bar < 1) {
            throw PlatformException.invalid("page_token", NOT_OURS);
        }
        if (!s.substring(bar + 1).equals(filter)) {
            throw PlatformException.invalid("page_token", "was made for another filter; the filter must not change between pages");
        }
        return s.substring(0, bar);
    }

    /** The sequence number a token carries; 0 for no token (the first page). */
    public static long decodeLong(String token, String filter) {
        String position = decode(token, filter);
        if (position.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw PlatformException.invalid("page_token", NOT_OURS);
        }
    }
}
