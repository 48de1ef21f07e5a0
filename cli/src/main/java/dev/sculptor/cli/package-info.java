/**
 * The {@code ./sculptor models|jobs|triggers|runs|demo} commands: a plain grpc-java client of the model
 * registry, the pruning service and the training service, with picocli for the command lines. One package,
 * because every command group shares the same few pieces (endpoints and tokens, the channel, paging,
 * watching, printing) and nothing of it is an API for other code.
 */
package dev.sculptor.cli;
