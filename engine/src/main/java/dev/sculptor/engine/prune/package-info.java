/**
 * The seven pruning methods of the paper, one class each naming its source, behind
 * {@link dev.sculptor.engine.prune.PruningMethod}, and {@link dev.sculptor.engine.prune.MethodDef}, the one
 * registry that declares each method once (id, aliases, paper, whether it samples data, its defaults, presets
 * and criterion) for the engine's command line, the services and the CLI. A method first makes a
 * {@link dev.sculptor.engine.prune.PrunePlan} (scores and the decision: kept channels, removed blocks, masks;
 * inspectable and stored as JSON) and the plan is then applied: physical shrinking
 * ({@link dev.sculptor.engine.prune.StructuredPruner}, which copies the kept slices of every tensor a channel
 * space touches), block removal, or masking for weight-level pruning. Importance criteria
 * ({@link dev.sculptor.engine.prune.Importance}), the policies that turn scores into kept channels
 * ({@link dev.sculptor.engine.prune.Policies}) and the data-driven methods' sampling and linear algebra live here too.
 */
package dev.sculptor.engine.prune;
