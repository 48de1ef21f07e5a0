/**
 * Scoring itself, free of wire types: resolve and download a model version, load it, and ask the engine
 * for the method's importance criterion and the channels its policy keeps
 * ({@link dev.sculptor.scoring.service.EngineScorer}); failures are sorted into canonical codes, where
 * UNAVAILABLE means a part is down and the request is worth retrying.
 */
package dev.sculptor.scoring.service;
