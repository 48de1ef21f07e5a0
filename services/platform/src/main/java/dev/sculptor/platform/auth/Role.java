package dev.sculptor.platform.auth;

import java.util.Locale;

/** Caller roles, each including the ones before it. */
public enum Role {
    READ,
    WRITE,
    ADMIN;

    public boolean covers(Role needed) {
        return ordinal() >= needed.ordinal();
    }

    public static Role parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + s + "' (known: read, write, admin)");
        }
    }

    /**
     * The role an RPC needs, from its standard-method verb: reads (Get, List, Watch, Download,
     * Compare, Evaluate, Score) need read; Delete needs admin; everything else changes state and
     * needs write.
     */
    public static Role requiredFor(String bareMethodName) {
        for (String p : new String[] {"Get", "List", "Watch", "Download", "Compare", "Evaluate", "Score", "Check"}) {
            if (bareMethodName.startsWith(p)) {
                return READ;
            }
        }
        return bareMethodName.startsWith("Delete") ? ADMIN : WRITE;
    }
}
