/**
 * Why the operator refuses to run a resource as written ({@link dev.mdeq.operator.refusal.InvalidSpecException})
 * and the condition and event reasons that say so. Validation, the store references and the
 * lifecycle all refuse through it; the reconciler turns a refusal into Ready=False and a Warning event.
 */
package dev.mdeq.operator.refusal;
