package dev.sculptor.registry.store;

import java.time.Instant;
import java.util.Map;

/** A model as stored; aliases map to version numbers. */
public record ModelRow(String id, String displayName, String description, Map<String, String> labels, int latestVersion,
        Instant createTime, Instant updateTime, Map<String, Integer> aliases) {}
