/**
 * Training runs, free of wire types: claim a run for this replica, build its start network with the engine
 * ({@link dev.sculptor.training.service.Starts}), turn the plan into the engine's training settings
 * ({@link dev.sculptor.training.service.Plans}), train with a checkpoint uploaded after every epoch, and end
 * the run with its event. Failures are sorted into canonical codes, where UNAVAILABLE is worth retrying.
 */
package dev.sculptor.training.service;
