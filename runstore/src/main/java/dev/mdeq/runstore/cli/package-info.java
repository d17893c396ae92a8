/**
 * What the commands of the trainer, the evaluator and the {@code mdeq} launcher share on their
 * command lines: the checks of paths and URIs made before any long work
 * ({@link dev.mdeq.runstore.cli.Arguments}) and the {@code --progress} option
 * ({@link dev.mdeq.runstore.cli.ProgressOptions}).
 */
package dev.mdeq.runstore.cli;
