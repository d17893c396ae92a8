/**
 * One writer per run: the trainer's lease on its run folder ({@link dev.mdeq.runstore.lease.RunLease}),
 * who holds it ({@link dev.mdeq.runstore.lease.LeaseHolder}), the stored lease
 * ({@link dev.mdeq.runstore.lease.LeaseRecord}), and the view of a store that checks the lease
 * before every write ({@link dev.mdeq.runstore.lease.FencedObjectStore}). See docs/storage.md.
 */
package dev.mdeq.runstore.lease;
