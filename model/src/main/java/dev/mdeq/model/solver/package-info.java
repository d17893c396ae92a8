/**
 * Equilibrium solvers: find x* = f(x*) for a batch of states.
 *
 * <p>{@link dev.mdeq.model.solver.BroydenSolver} reproduces the reference MDEQ's Broyden
 * (limited memory, first step x1 = f(x0), lowest-residual iterate returned, whole-batch stopping
 * against {@code eps = 1e-5 * sqrt(B*D)}, protective break);
 * {@link dev.mdeq.model.solver.AndersonSolver} (falls back to Broyden on a singular
 * least-squares system) and {@link dev.mdeq.model.solver.FixedPointSolver} share its stopping
 * rules. {@code DEQ.STOP_MODE} abs / rel stop each sample on its own residual instead.
 * See {@link dev.mdeq.model.solver.EquilibriumSolver} for the contract (f, not g; state
 * {@code (B, ...)}; no autograd recording; arrays scoped per step).
 *
 * <p>Forward solve of the model (state flattened per sample: branch 0 (C,H,W), then branch 1, ...):
 * <pre>{@code
 * EquilibriumSolver solver = Solvers.of(config.deq().fSolver());
 * SolverOptions options = SolverOptions.forward(config, batch, stateSize);
 * NDArray z0 = manager.zeros(new Shape(batch, stateSize), DataType.FLOAT32);
 * SolveResult result = solver.solve(z -> flatten(fTheta(unflatten(z), injection)), z0, options);
 * NDArray zStar = result.state();          // lowest-residual iterate, no graph, in manager
 * SolverStats stats = result.stats();      // steps, lowestStep, traces, stopReason, ...
 * }</pre>
 *
 * <p>Backward (adjoint) solve {@code w = w J_f(z) + grad}, J_f at a point where
 * {@code y = f(z)} was evaluated with a graph; every evaluation is one vector-Jacobian product on
 * that graph (e.g. {@code JniUtils.backward(y, w, true, false)}, reading and zeroing z's gradient):
 * <pre>{@code
 * SolverOptions back = SolverOptions.backward(config, batch, stateSize);
 * SolveResult adj = Solvers.of(config.deq().bSolver())
 *         .solve(w -> vjp(y, z, w).add(grad), grad.zerosLike(), back);
 * if (adj.stats().lowestStep() == 0) { ... } // no iterate beat the zero start (reference: zero gradient)
 * }</pre>
 */
package dev.mdeq.model.solver;
