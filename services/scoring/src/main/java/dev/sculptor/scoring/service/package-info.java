/**
 * Scoring itself, free of wire types: resolve a model version, check it out (the platform's
 * {@code VersionCheckout}), and have the engine plan the method ({@code MethodDef}, {@code PrunePlan}): its
 * importance scores and what its policy keeps, reshaped into {@link dev.sculptor.scoring.service.Scores} by
 * {@link dev.sculptor.scoring.service.EngineScorer}. Failures are the platform's {@code PlatformException}
 * with a canonical code, where UNAVAILABLE means a part is down and the request is worth retrying.
 */
package dev.sculptor.scoring.service;
