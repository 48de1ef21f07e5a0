package dev.sculptor.platform.auth;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens and their roles, from configuration ({@code sculptor.auth.tokens=token:role,...};
 * in Kubernetes from a Secret).
 */
public final class TokenRoles {
    private final Map<String, Role> roles = new HashMap<>();

    public TokenRoles(Collection<String> entries) {
        for (String e : entries) {
            if (e.isBlank()) {
                continue;
            }
            int i = e.lastIndexOf(':');
            if (i <= 0 || i == e.length() - 1) {
                throw new IllegalArgumentException("sculptor.auth.tokens entry must be token:role, got '"
                        + (e.length() > 6 ? e.substring(0, 3) + "..." : e) + "'");
            }
            roles.put(e.substring(0, i).trim(), Role.parse(e.substring(i + 1)));
        }
    }

    public Optional<Role> roleOf(String token) {
        return Optional.ofNullable(roles.get(token));
    }

    public int size() {
        return roles.size();
    }
}
