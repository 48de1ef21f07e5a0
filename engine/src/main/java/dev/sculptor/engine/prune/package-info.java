/**
 * The pruning methods of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019).
 *
 * <p>{@link dev.sculptor.engine.prune.MethodDef} is the registry: each method once, with its id, names, paper,
 * defaults, presets and criterion; services and command lines map to it by name and build methods through it
 * ({@link dev.sculptor.engine.prune.MethodSettings}). Each method ({@link dev.sculptor.engine.prune.PruningMethod})
 * plans ({@link dev.sculptor.engine.prune.PrunePlan}: scores and the decision, JSON-serialisable) and the plan is
 * applied: {@link dev.sculptor.engine.prune.StructuredPruner} narrows channels, sparse structure selection removes
 * blocks, weight-level pruning masks. {@link dev.sculptor.engine.prune.Importances} and
 * {@link dev.sculptor.engine.prune.Policies} are the shared criteria and keep rules.
 */
package dev.sculptor.engine.prune;
