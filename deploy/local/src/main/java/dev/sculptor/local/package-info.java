/**
 * The local stack's launcher: small commands ({@link dev.sculptor.local.UpCommand},
 * {@link dev.sculptor.local.DownCommand}, {@link dev.sculptor.local.StatusCommand},
 * {@link dev.sculptor.local.LogsCommand}, named by {@link dev.sculptor.local.LocalStack}) over classes with one concern
 * each: where things are ({@link dev.sculptor.local.StackOptions}, {@link dev.sculptor.local.Layout}), ports
 * ({@link dev.sculptor.local.PortPlan}), secrets ({@link dev.sculptor.local.Secrets}), background processes and
 * orphans ({@link dev.sculptor.local.Procs}, {@link dev.sculptor.local.Orphans}), the infrastructure
 * ({@link dev.sculptor.local.Infrastructure}: the parts of {@code dev.sculptor.embedded} run as processes), the
 * services ({@link dev.sculptor.local.ServiceDefs}, {@link dev.sculptor.local.ServiceCommand},
 * {@link dev.sculptor.local.Wiring}, {@link dev.sculptor.local.Health}), waiting ({@link dev.sculptor.local.Await}),
 * and what is reported ({@link dev.sculptor.local.UpReport}, {@link dev.sculptor.local.StatusReport},
 * {@link dev.sculptor.local.LogTail}).
 */
package dev.sculptor.local;
