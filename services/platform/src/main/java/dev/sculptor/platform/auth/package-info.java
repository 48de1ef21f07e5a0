/**
 * Bearer-token authentication of every gRPC call: {@link dev.sculptor.platform.auth.TokenRoles} reads
 * {@code sculptor.auth.tokens}, {@link dev.sculptor.platform.auth.Role} derives the role a method needs
 * from its standard-method verb, and {@link dev.sculptor.platform.auth.AuthInterceptor} applies both. One
 * package so that every service's API is guarded by the same rule, with health and reflection left open.
 */
package dev.sculptor.platform.auth;
