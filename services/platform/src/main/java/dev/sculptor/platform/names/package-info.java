/**
 * Resource names (AIP-122) of every collection the services serve or refer to, one grammar per
 * collection: {@link dev.sculptor.platform.names.ResourceNames} (the collections and the grammar of
 * new ids), {@link dev.sculptor.platform.names.Collection} (parse, format and check
 * {@code collection/{id}}), {@link dev.sculptor.platform.names.VersionName} and
 * {@link dev.sculptor.platform.names.AliasName}. A name that does not parse is INVALID_ARGUMENT
 * naming the request field.
 */
package dev.sculptor.platform.names;
