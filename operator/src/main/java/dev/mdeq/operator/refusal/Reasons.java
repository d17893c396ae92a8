package dev.mdeq.operator.refusal;

/** Condition and event reasons that describe a resource the operator refuses to run. */
public final class Reasons {
    /** The spec is wrong, or names something that does not exist or cannot be used. */
    public static final String INVALID_SPEC = "InvalidSpec";
    /** The run folder already holds a different config.yaml. */
    public static final String CONFIG_CONFLICT = "ConfigConflict";
    /** The object store cannot be reached (after the store's own retries). */
    public static final String STORAGE_UNAVAILABLE = "StorageUnavailable";

    /** The spec names something the operator's admin policy does not allow (a file: URI, an endpoint). */
    public static final String POLICY_VIOLATION = "PolicyViolation";

    private Reasons() {
    }
}
