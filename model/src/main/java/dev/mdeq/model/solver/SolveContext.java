package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import java.util.function.Function;

/**
 * The frame every solve runs in: autograd recording off, a sub-manager that owns the solver's
 * arrays, the flat (B, D) view of the state, calls of f, and the residual bookkeeping. Closing it
 * frees everything except the result handed out by {@link #finish}.
 */
final class SolveContext implements AutoCloseable {

    final SolverOptions options;
    final NDManager manager;
    final int batch;
    final long size;
    final ResidualTracker tracker;

    private final Function<NDArray, NDArray> f;
    private final NDArray x0;
    private final Shape shape;
    private final DataType type;
    private final boolean gradMode;
    private final NDScope scope;
    private final long startNanos;
    private final NDArray start;
    private int evaluations;

    SolveContext(Function<NDArray, NDArray> f, NDArray x0, SolverOptions options) {
        this.startNanos = System.nanoTime();
        this.f = f;
        this.x0 = x0;
        this.options = options;
        this.shape = x0.getShape();
        this.type = x0.getDataType();
        if (shape.dimension() < 1 || shape.get(0) < 1 || shape.size() < 1) {
            throw new IllegalArgumentException("solver start must have shape (B, ...) with B >= 1 and elements, got "
                    + shape);
        }
        if (!type.isFloating()) {
            throw new IllegalArgumentException("solver start must be a floating-point array, got " + type);
        }
        this.batch = Math.toIntExact(shape.get(0));
        this.size = shape.size() / batch;
        // The reference solves under torch.no_grad(); PyTorch's grad mode is thread-local.
        this.gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        this.scope = new NDScope();
        this.manager = x0.getManager().newSubManager(x0.getDevice());
        try {
            this.start = keep(x0.reshape(batch, size).duplicate());
            this.tracker = new ResidualTracker(this, start);
        } catch (RuntimeException e) {
            close(); // never leave the scope open on this thread or grad mode off
            throw e;
        }
    }

    /** The start as (B, D), owned by this solve. */
    NDArray start() {
        return start;
    }

    /**
     * f at the flat iterate x, as (B, D). The array is a view of f's output, created in the current
     * step scope.
     */
    NDArray evaluate(NDArray x) {
        evaluations++;
        NDArray out = f.apply(x.reshape(shape));
        if (out == null || !out.getShape().equals(shape) || out.getDataType() != type) {
            throw new IllegalStateException("the fixed-point map must return an array of shape " + shape + " and type "
                    + type + ", got " + (out == null ? "null" : out.getShape() + " " + out.getDataType()));
        }
        return out.reshape(batch, size);
    }

    int evaluations() {
        return evaluations;
    }

    /** Keeps an array created in the current step beyond it, owned by this solve. */
    NDArray keep(NDArray array) {
        NDScope.unregister(array);
        array.attach(manager);
        return array;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Shape of the caller's start. */
    Shape shape() {
        return shape;
    }

    /** The returned iterate in the start's shape, moved to the caller's manager, plus statistics. */
    SolveResult finish(String solver, int steps, StopReason reason) {
        NDArray result = tracker.lowest().reshape(shape);
        NDScope.unregister(result);
        result.attach(x0.getManager());
        return new SolveResult(result, tracker.stats(solver, steps, evaluations, reason, elapsedSeconds()));
    }

    @Override
    public void close() {
        try {
            scope.close();
            manager.close();
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
