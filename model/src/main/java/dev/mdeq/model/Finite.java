package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import dev.mdeq.model.layers.ArrayValues;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.solver.StopReason;

/** Checks that numbers about to be reported (logits, scores, timings of solves) are finite. */
public final class Finite {
    private Finite() {
    }

    /** {@code values} unchanged, or {@link NonFiniteException} naming {@code what} and the count. */
    public static NDArray require(NDArray values, String what) {
        if (!values.getDataType().isFloating()) {
            return values;
        }
        // One reduction answers in the common case; only a non-finite sum needs the count.
        if (ArrayValues.sumIsFinite(values)) {
            return values;
        }
        long bad;
        try (NDArray nan = values.isNaN(); NDArray infinite = values.isInfinite();
                NDArray nonFinite = nan.logicalOr(infinite); NDArray count = nonFinite.countNonzero()) {
            bad = count.getLong();
        }
        if (bad > 0) {
            throw new NonFiniteException(what + ": " + bad + " of " + values.size() + " values are NaN or infinite");
        }
        return values;
    }

    /** The same for values already copied out of an array. */
    public static float[] require(float[] values, String what) {
        long bad = 0;
        for (float v : values) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        if (bad > 0) {
            throw new NonFiniteException(what + ": " + bad + " of " + values.length + " values are NaN or infinite");
        }
        return values;
    }

    /** {@code stats} unchanged, or {@link NonFiniteException} when the solve met a NaN/Inf residual. */
    public static SolverStats requireSolved(SolverStats stats, String what) {
        if (stats != null && stats.stopReason() == StopReason.NON_FINITE) {
            throw new NonFiniteException(what + ": the " + stats.solver() + " solver's residual became NaN or infinite at step "
                    + stats.steps() + " of " + stats.threshold());
        }
        return stats;
    }
}
