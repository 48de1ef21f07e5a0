/**
 * The {@code kubernetes} launcher: one Job per training run made from the operator's template (GPU request =
 * limit, labels naming the run), a reconciler that keeps Jobs and runs consistent, and the pod mode in which the
 * training image trains the one run its Job names, then exits.
 */
package dev.sculptor.training.kubernetes;
