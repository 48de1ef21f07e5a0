/**
 * Models, versions and aliases in PostgreSQL through plain JDBC. Every change commits together with its
 * outbox rows, and version numbers come from a row-locked counter on the model, so concurrent
 * registrations get distinct numbers without gaps. The List methods' filters (the platform's
 * {@code ListFilter}) are applied to the queries here.
 */
package dev.sculptor.registry.store;
