/**
 * The experiment of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019), assembled from the
 * other packages: the retrain modes (fine-tuning, Scratch-E, Scratch-B, lottery-ticket rewinding) with their
 * budgets and starting networks ({@link dev.sculptor.engine.experiment.Retraining}), the recovery of a
 * pruning's kept channels from the networks themselves, and the whole baseline, prune, retrain and compare
 * run over several seeds ({@link dev.sculptor.engine.experiment.Rethink}) with its result table.
 */
package dev.sculptor.engine.experiment;
