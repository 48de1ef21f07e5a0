/**
 * The registry's rules, free of wire types and SQL: model ids, verification of a checkpoint before it
 * becomes visible, where a version's objects live ({@code models/{model}/versions/{n}/}), and the lineage
 * walk. A refusal is the platform's {@code PlatformException} with the canonical code the edge turns into a
 * status.
 */
package dev.sculptor.registry.service;
