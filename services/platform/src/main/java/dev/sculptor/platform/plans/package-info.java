/**
 * The bounds of what a training plan may cost ({@code PlanLimits}), shared by the services that accept
 * plans (pruning, training) so that both refuse the same requests with the same messages.
 */
package dev.sculptor.platform.plans;
