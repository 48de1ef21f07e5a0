/**
 * The training loop: SGD with momentum and weight decay ({@link dev.sculptor.engine.train.Sgd}) under a
 * learning-rate schedule, hooks through which pruning methods reach into training
 * ({@link dev.sculptor.engine.train.TrainingHook}), progress for CLIs and services, and a checkpoint after
 * every epoch from which an interrupted run resumes with exactly the weights of an uninterrupted one
 * ({@link dev.sculptor.engine.train.Trainer}).
 */
package dev.sculptor.engine.train;
