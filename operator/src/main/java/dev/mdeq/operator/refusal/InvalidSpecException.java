package dev.mdeq.operator.refusal;

/**
 * The resource cannot be run as written. The message names the field and what would be valid and
 * never contains a secret value. {@link #recheck()} tells whether the cause lies outside the spec
 * (a missing Secret, ConfigMap or object), so that checking again later may succeed without an edit.
 */
public class InvalidSpecException extends RuntimeException {
    private final String reason;
    private final boolean recheck;

    public InvalidSpecException(String reason, String message, boolean recheck) {
        super(message);
        this.reason = reason;
        this.recheck = recheck;
    }

    /** A mistake in the spec itself: only an edit of the resource can fix it. */
    public static InvalidSpecException spec(String message) {
        return new InvalidSpecException(Reasons.INVALID_SPEC, message, false);
    }

    /** Something the spec refers to is missing or unusable (a Secret, a ConfigMap, an object). */
    public static InvalidSpecException reference(String message) {
        return new InvalidSpecException(Reasons.INVALID_SPEC, message, true);
    }

    /** The spec names something the operator's admin policy forbids: an edit of the spec (or the policy) fixes it. */
    public static InvalidSpecException policy(String message) {
        return new InvalidSpecException(Reasons.POLICY_VIOLATION, message, false);
    }

    /** The condition reason: InvalidSpec, PolicyViolation or ConfigConflict. */
    public String reason() {
        return reason;
    }

    public boolean recheck() {
        return recheck;
    }
}
