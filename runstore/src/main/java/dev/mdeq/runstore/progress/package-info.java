/**
 * How a long command shows its progress: {@link dev.mdeq.runstore.progress.ProgressReporter} draws a
 * bar fitted to the terminal ({@link dev.mdeq.runstore.progress.BarLine},
 * {@link dev.mdeq.runstore.progress.TerminalWidth}) or writes JSON log lines, and keeps the run
 * folder's heartbeat ({@link dev.mdeq.runstore.run.Progress}) up to date.
 */
package dev.mdeq.runstore.progress;
