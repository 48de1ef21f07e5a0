/**
 * {@code ./sculptor engine ...} and {@code ./sculptor doctor}: the engine on one machine from the command
 * line (picocli), without any service. Each command is a thin shell over the engine's packages (train,
 * prune, retrain, eval, arch, the whole {@code rethink} experiment, benchmarks, the kernel check); what the
 * commands share is in {@code Options}, {@code CommandSupport} and {@code Progress}.
 */
package dev.sculptor.engine.cli;
