package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Test problems with an independent plain-Java double-precision side: contractive affine maps
 * x = A x + b (fixed point by Gaussian elimination) and f(x) = tanh(s (W x) + b).
 */
final class TestMaps {

    private TestMaps() {
    }

    /** A random n x m matrix scaled to Frobenius norm {@code norm} (an upper bound of its spectral norm). */
    static double[][] matrix(Random random, int n, int m, double norm) {
        double[][] a = new double[n][m];
        double sum = 0;
        for (double[] row : a) {
            for (int j = 0; j < m; j++) {
                row[j] = random.nextGaussian();
                sum += row[j] * row[j];
            }
        }
        double scale = norm / Math.sqrt(sum);
        for (double[] row : a) {
            for (int j = 0; j < m; j++) {
                row[j] *= scale;
            }
        }
        return a;
    }

    /** Q diag(eigenvalues evenly spaced in [lo, hi]) Q^T with a random orthogonal Q (Gram-Schmidt). */
    static double[][] symmetricWithSpectrum(Random random, int n, double lo, double hi) {
        double[][] q = new double[n][];
        for (int k = 0; k < n; k++) {
            double[] v = vector(random, n, 1.0);
            for (int j = 0; j < k; j++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += v[i] * q[j][i];
                }
                for (int i = 0; i < n; i++) {
                    v[i] -= dot * q[j][i];
                }
            }
            double norm = norm(v);
            for (int i = 0; i < n; i++) {
                v[i] /= norm;
            }
            q[k] = v;
        }
        double[][] a = new double[n][n];
        for (int k = 0; k < n; k++) {
            double ev = lo + (hi - lo) * k / (n - 1.0);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i][j] += ev * q[k][i] * q[k][j];
                }
            }
        }
        return a;
    }

    static double[] vector(Random random, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * random.nextGaussian();
        }
        return v;
    }

    /** RootFinders (I - A) x = b by Gaussian elimination with partial pivoting. */
    static double[] affineFixedPoint(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i][j] = (i == j ? 1 : 0) - a[i][j];
            }
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] t = m[p];
            m[p] = m[c];
            m[c] = t;
            for (int r = c + 1; r < n; r++) {
                double factor = m[r][c] / m[c][c];
                for (int j = c; j <= n; j++) {
                    m[r][j] -= factor * m[c][j];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= m[i][j] * x[j];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }

    static double[] matVec(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    /** Plain-Java f(x) = A x + b. */
    static UnaryOperator<double[]> affine(double[][] a, double[] b) {
        return x -> {
            double[] y = matVec(a, x);
            for (int i = 0; i < y.length; i++) {
                y[i] += b[i];
            }
            return y;
        };
    }

    /** Plain-Java f(x) = tanh(s W x + b). */
    static UnaryOperator<double[]> tanh(double[][] w, double[] b, double s) {
        return x -> {
            double[] y = matVec(w, x);
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.tanh(s * y[i] + b[i]);
            }
            return y;
        };
    }

    /** The fixed point of a contraction by plain iteration until it stops changing. */
    static double[] iterateToFixedPoint(UnaryOperator<double[]> f, double[] x0) {
        double[] x = x0.clone();
        for (int k = 0; k < 10_000; k++) {
            double[] next = f.apply(x);
            double change = 0;
            for (int i = 0; i < x.length; i++) {
                change = Math.max(change, Math.abs(next[i] - x[i]));
            }
            x = next;
            if (change == 0) {
                break;
            }
        }
        return x;
    }

    /**
     * The DJL map x (B, D) -> tanh(s_b * x W^T + b_b) (or without tanh), one s and b per sample.
     * Every op takes x (or a value computed from it) first, so results live in x's manager.
     */
    static Function<NDArray, NDArray> batchMap(NDManager manager, double[][] w, double[][] b, double[] scales,
            boolean tanh, DataType type) {
        int d = w.length;
        double[] wt = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                wt[j * d + i] = w[i][j];
            }
        }
        NDArray wT = manager.create(wt).reshape(d, d).toType(type, false);
        NDArray bias = manager.create(flatten(b)).reshape(b.length, d).toType(type, false);
        NDArray s = manager.create(scales).reshape(scales.length, 1).toType(type, false);
        return x -> {
            NDArray y = x.matMul(wT).mul(s).add(bias);
            return tanh ? y.tanh() : y;
        };
    }

    static double[] flatten(double[][] rows) {
        int d = rows[0].length;
        double[] out = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * d, d);
        }
        return out;
    }

    static double[][] rows(NDArray array) {
        int batch = (int) array.getShape().get(0);
        double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
        int d = flat.length / batch;
        double[][] out = new double[batch][d];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
