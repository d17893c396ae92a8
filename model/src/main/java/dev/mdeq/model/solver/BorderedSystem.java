package dev.mdeq.model.solver;

/**
 * Anderson's small constrained least-squares problem for one sample, solved on the CPU in double
 * precision: minimise ||alpha^T G||^2 + lam ||alpha||^2 subject to sum(alpha) = 1, i.e. the bordered
 * system
 * <pre>
 * [ 0   1^T            ] [ nu    ]   [ 1 ]
 * [ 1   G G^T + lam I  ] [ alpha ] = [ 0 ]
 * </pre>
 * (locuslab/deq {@code anderson}). The (n+1)x(n+1) matrix is inverted by Gauss-Jordan elimination
 * with partial pivoting, which also gives its exact 1-norm condition number.
 */
final class BorderedSystem {

    /**
     * @param alpha the mixing weights, or {@code null} when {@code problem} says why there are none
     * @param problem why the system cannot be trusted, or {@code null}
     */
    record Solution(double[] alpha, String problem) {
    }

    private BorderedSystem() {
    }

    /**
     * @param gram row-major n x n Gram matrices G G^T, this sample's starting at {@code offset}
     * @param maxCondition larger 1-norm condition numbers count as ill-conditioned
     */
    static Solution solve(double[] gram, int offset, int n, double lam, double maxCondition) {
        int size = n + 1;
        double[][] h = new double[size][size];
        for (int i = 1; i < size; i++) {
            h[0][i] = 1;
            h[i][0] = 1;
            for (int j = 1; j < size; j++) {
                h[i][j] = gram[offset + (i - 1) * n + (j - 1)] + (i == j ? lam : 0);
            }
        }
        double norm = norm1(h);
        if (!Double.isFinite(norm)) {
            return new Solution(null, "the Gram matrix has NaN or infinite entries");
        }
        double[][] inverse = invert(h);
        if (inverse == null) {
            return new Solution(null, "the bordered system is singular");
        }
        double condition = norm * norm1(inverse);
        if (!(condition <= maxCondition)) {
            return new Solution(null, String.format("the bordered system is ill-conditioned (1-norm condition number"
                    + " %.3g > %.3g)", condition, maxCondition));
        }
        double[] alpha = new double[n];
        for (int i = 0; i < n; i++) {
            alpha[i] = inverse[i + 1][0]; // the right-hand side is e_0
            if (!Double.isFinite(alpha[i])) {
                return new Solution(null, "the mixing weights are NaN or infinite");
            }
        }
        return new Solution(alpha, null);
    }

    private static double norm1(double[][] a) {
        double max = 0;
        for (int j = 0; j < a.length; j++) {
            double sum = 0;
            for (double[] row : a) {
                sum += Math.abs(row[j]);
            }
            max = Math.max(max, sum);
        }
        return Double.isNaN(max) ? Double.NaN : max;
    }

    /** Gauss-Jordan inverse with partial pivoting; null when a pivot is zero or not finite. */
    private static double[][] invert(double[][] matrix) {
        int size = matrix.length;
        double[][] a = new double[size][];
        double[][] inv = new double[size][size];
        for (int i = 0; i < size; i++) {
            a[i] = matrix[i].clone();
            inv[i][i] = 1;
        }
        for (int col = 0; col < size; col++) {
            int pivot = col;
            for (int r = col + 1; r < size; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double p = a[pivot][col];
            if (p == 0 || !Double.isFinite(p)) {
                return null;
            }
            double[] t = a[pivot];
            a[pivot] = a[col];
            a[col] = t;
            t = inv[pivot];
            inv[pivot] = inv[col];
            inv[col] = t;
            for (int j = 0; j < size; j++) {
                a[col][j] /= p;
                inv[col][j] /= p;
            }
            for (int r = 0; r < size; r++) {
                double factor = a[r][col];
                if (r == col || factor == 0) {
                    continue;
                }
                for (int j = 0; j < size; j++) {
                    a[r][j] -= factor * a[col][j];
                    inv[r][j] -= factor * inv[col][j];
                }
            }
        }
        return inv;
    }
}
