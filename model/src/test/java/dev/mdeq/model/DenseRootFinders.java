package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.StepObserver;
import java.util.function.Function;

/**
 * Test-only root finding for tiny float64 models, independent of the solver package: plain
 * iteration then Newton's method with a finite-difference Jacobian and backtracking for the forward
 * fixed point (machine precision on small states), and an exact dense linear solve for the affine
 * adjoint map. Warm-starts from its previous solution.
 * Works per sample (every sample's state is perturbed at the same index at once).
 */
final class DenseRootFinders implements RootFinders {
    int forwardCalls;
    int backwardCalls;
    int evaluations;
    double lastResidual;
    private final int newtonSteps;
    private double[] warm;
    private double[][][] chord;

    DenseRootFinders(int newtonSteps) {
        this.newtonSteps = newtonSteps;
    }

    @Override
    public SolveResult forward(Function<NDArray, NDArray> f, NDArray start) {
        forwardCalls++;
        NDManager owner = start.getManager();
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDScope scope = new NDScope()) {
            long batch = start.getShape().get(0);
            int d = Math.toIntExact(start.getShape().get(1));
            // Warm start from the previous solution: keeps perturbed problems on the same fixed point.
            double[] z = warm != null && warm.length == batch * d ? warm.clone() : start.toDoubleArray();
            double[] fz = eval(f, owner, z, batch, d);
            double[] g = minus(fz, z);
            lastResidual = norm(g);
            if (warm != null && warm.length == z.length) {
                // A perturbed problem near the previous one: chord steps with one Jacobian (quadratic-ish
                // convergence from a residual of the perturbation's size).
                if (chord == null) {
                    chord = jacobian(f, owner, z, fz, batch, d, 1e-7);
                }
                for (int it = 0; it < 10 && lastResidual >= 1e-13; it++) {
                    double[] next = z.clone();
                    double[] dz = newtonStep(chord, g, batch, d);
                    for (int i = 0; i < z.length; i++) {
                        next[i] += dz[i];
                    }
                    double[] fNext = eval(f, owner, next, batch, d);
                    double[] gNext = minus(fNext, next);
                    double r = norm(gNext);
                    if (r > 0.5 * lastResidual) {
                        break;
                    }
                    z = next;
                    fz = fNext;
                    g = gNext;
                    lastResidual = r;
                }
            }
            // Plain iteration while it makes good progress, then Newton.
            for (int it = 0; it < 500 && lastResidual >= 1e-13; it++) {
                double[] next = eval(f, owner, fz, batch, d);
                double[] gNext = minus(next, fz);
                double r = norm(gNext);
                if (r > 0.9 * lastResidual) {
                    break;
                }
                z = fz;
                fz = next;
                g = gNext;
                lastResidual = r;
            }
            for (int it = 0; it < newtonSteps && lastResidual >= 1e-13; it++) {
                // Newton direction from a fresh finite-difference Jacobian: (I - J) dz = g.
                double[] dz = newtonStep(jacobian(f, owner, z, fz, batch, d, 1e-7), g, batch, d);
                // Backtracking: halve the step until the residual decreases.
                double t = 1;
                while (true) {
                    double[] trial = z.clone();
                    for (int i = 0; i < z.length; i++) {
                        trial[i] += t * dz[i];
                    }
                    double[] fTrial = eval(f, owner, trial, batch, d);
                    double[] gTrial = minus(fTrial, trial);
                    double r = norm(gTrial);
                    if (r < (1 - 1e-4 * t) * lastResidual || t < 1e-6) {
                        z = trial;
                        fz = fTrial;
                        g = gTrial;
                        lastResidual = r;
                        break;
                    }
                    t /= 2;
                }
            }
            lastResidual = norm(minus(eval(f, owner, z, batch, d), z));
            warm = z.clone();
            NDArray out = owner.create(z, start.getShape());
            NDScope.unregister(out);
            return new SolveResult(out, TestStats.of("newton", 1, evaluations, lastResidual));
        }
    }

    @Override
    public SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
        backwardCalls++;
        NDManager owner = start.getManager();
        try (NDScope scope = new NDScope()) {
            long batch = start.getShape().get(0);
            int d = Math.toIntExact(start.getShape().get(1));
            double[] zero = new double[(int) batch * d];
            double[] grad = eval(f, owner, zero, batch, d);
            // f(w) = w A + grad: row k of A is f(e_k) - grad.
            double[][][] rows = jacobian(f, owner, zero, grad, batch, d, 1.0);
            // w (I - A) = grad  <=>  (I - A^T) w^T = grad^T, and rows[b][i][k] = d f_i / d w_k = A[k][i].
            double[] w = newtonStep(rows, grad, batch, d);
            lastResidual = norm(minus(eval(f, owner, w, batch, d), w));
            NDArray out = owner.create(w, start.getShape());
            NDScope.unregister(out);
            return new SolveResult(out, TestStats.of("dense", 1, evaluations, lastResidual));
        }
    }

    /** Per sample: the dz solving (I - J) dz = g. */
    static double[] newtonStep(double[][][] jac, double[] g, long batch, int d) {
        double[] dz = new double[g.length];
        for (int b = 0; b < batch; b++) {
            double[][] a = new double[d][d];
            double[] rhs = new double[d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    a[i][j] = (i == j ? 1 : 0) - jac[b][i][j];
                }
                rhs[i] = g[b * d + i];
            }
            System.arraycopy(solve(a, rhs), 0, dz, b * d, d);
        }
        return dz;
    }

    private double[] eval(Function<NDArray, NDArray> f, NDManager owner, double[] z, long batch, int d) {
        evaluations++;
        try (NDManager scope = owner.newSubManager()) {
            return f.apply(scope.create(z, new Shape(batch, d))).toDoubleArray();
        }
    }

    /** jac[b][i][j] = (f_i(z + h e_j) - f_i(z)) / h for sample b. */
    private double[][][] jacobian(Function<NDArray, NDArray> f, NDManager owner, double[] z, double[] fz, long batch,
            int d, double h) {
        double[][][] jac = new double[(int) batch][d][d];
        for (int j = 0; j < d; j++) {
            double[] shifted = z.clone();
            for (int b = 0; b < batch; b++) {
                shifted[b * d + j] += h;
            }
            double[] fs = eval(f, owner, shifted, batch, d);
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    jac[b][i][j] = (fs[b * d + i] - fz[b * d + i]) / h;
                }
            }
        }
        return jac;
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a, double[] rhs) {
        int n = rhs.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double[] x = rhs.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] rowSwap = m[col];
            m[col] = m[pivot];
            m[pivot] = rowSwap;
            double xSwap = x[col];
            x[col] = x[pivot];
            x[pivot] = xSwap;
            for (int r = col + 1; r < n; r++) {
                double factor = m[r][col] / m[col][col];
                for (int c = col; c < n; c++) {
                    m[r][c] -= factor * m[col][c];
                }
                x[r] -= factor * x[col];
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            double sum = x[r];
            for (int c = r + 1; c < n; c++) {
                sum -= m[r][c] * x[c];
            }
            x[r] = sum / m[r][r];
        }
        return x;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    private static double norm(double[] a) {
        double sum = 0;
        for (double v : a) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }
}
