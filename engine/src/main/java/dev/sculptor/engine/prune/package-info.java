/**
 * The seven pruning methods of the paper, one class each naming its source, behind
 * {@link dev.sculptor.engine.prune.PruningMethod}: importance criteria
 * ({@link dev.sculptor.engine.prune.Importance}), the policies that turn scores into kept channels
 * ({@link dev.sculptor.engine.prune.Policies}), the data-driven methods' sampling and linear algebra, and
 * physical shrinking ({@link dev.sculptor.engine.prune.StructuredPruner}), which copies the kept slices of
 * every tensor a channel space touches. Weight-level pruning masks weights instead of shrinking.
 */
package dev.sculptor.engine.prune;
