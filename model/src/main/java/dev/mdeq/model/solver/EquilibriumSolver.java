package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;

import java.util.function.Function;

/**
 * Finds a fixed point x* = f(x*) of a map on a batch of states.
 *
 * <p>Solvers take the fixed-point map f itself, not the residual g(x) = f(x) - x: every solver
 * computes g internally exactly as the reference's root function does ({@code f(x) - x}, so the
 * arithmetic is the same), and the relative residual needs f(x) anyway. For the adjoint equation
 * of the backward pass, {@code w = w J + grad}, pass {@code f(w) = vjp(w) + grad}.
 *
 * <p>The state is a batch tensor whose first axis is the sample: {@code (B, D)}, {@code (B, D, 1)}
 * (the reference's layout) or any {@code (B, ...)}. Solvers work on the flat {@code (B, D)} view,
 * D = product of the other axes, and call f with arrays of the start's shape. Norms and inner
 * products are per sample over those D elements. Any floating-point type and any device: every
 * array the solver creates has the start's type and device.
 *
 * <p>Contract with f: it maps an array of the start's shape to a new array of the same shape and
 * type, acting on each sample independently (per-sample stopping relies on it). f is called with no
 * autograd recording (the reference's {@code no_grad}); vector-Jacobian products on a graph built
 * before the solve still work. Every NDArray created during one step (by the solver or by f) is
 * closed at the end of that step (an {@link ai.djl.ndarray.NDScope}), so f must not keep arrays it
 * creates; the solver's own buffers live in a sub-manager closed when the solve returns.
 */
public interface EquilibriumSolver {

    /** The solver's name as the statistics report it ("broyden", "anderson", "fixed_point"). */
    String name();

    /**
     * RootFinders x = f(x) from x0.
     *
     * @param f the fixed-point map
     * @param x0 the start, {@code (B, ...)}; left untouched
     * @param options step limit, tolerance, stopping rule and solver settings
     * @return the lowest-residual iterate (attached to x0's manager) and the statistics
     */
    SolveResult solve(Function<NDArray, NDArray> f, NDArray x0, SolverOptions options);
}
