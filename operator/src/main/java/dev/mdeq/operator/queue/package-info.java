/**
 * Kueue: which queue a run's Jobs go to ({@link dev.mdeq.operator.queue.Kueue}) and where the active
 * Job stands in it ({@link dev.mdeq.operator.queue.QueueTracker}). Kueue owns Job.spec.suspend of a
 * queued Job; the operator only reads it.
 */
package dev.mdeq.operator.queue;
