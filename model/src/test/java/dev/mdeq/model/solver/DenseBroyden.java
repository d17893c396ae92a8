package dev.mdeq.model.solver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An independent, deliberately plain re-implementation of the reference's Broyden (docs/reference-model.md §3.2)
 * in double arrays, keeping each sample's inverse Jacobian estimate as a dense D x D matrix
 * {@code B_inv = -I + sum u v^T}. {@code f.get(b)} is sample b's map. The ring buffer of M pairs is modelled by subtracting the pair
 * that a new one replaces. Stopping on the whole batch's residual, as the reference.
 */
final class DenseBroyden {

    /** Every iterate x_0..x_steps, the residual norms, and the outcome. */
    record Run(List<double[][]> iterates, List<Double> trace, int steps, int lowestStep, String stop) {
    }

    private DenseBroyden() {
    }

    static Run run(List<UnaryOperator<double[]>> f, double[][] x0, int threshold, double eps, int memoryLimit) {
        int batch = x0.length;
        int d = x0[0].length;
        int memory = Math.min(threshold, memoryLimit);
        double[][][] bInv = new double[batch][d][d];
        for (double[][] m : bInv) {
            for (int i = 0; i < d; i++) {
                m[i][i] = -1;
            }
        }
        double[][][] storedU = new double[Math.max(memory, 1)][][];
        double[][][] storedV = new double[Math.max(memory, 1)][][];

        double[][] x = copy(x0);
        double[][] gx = residual(f, x);
        double[][] update = copy(gx); // -B_inv gx with B_inv = -I
        List<double[][]> iterates = new ArrayList<>();
        iterates.add(copy(x));
        double init = norm(gx);
        List<Double> trace = new ArrayList<>(List.of(init));
        double lowest = init;
        int lowestStep = 0;
        int nstep = 0;
        String stop = init < eps ? "tolerance" : "limit";
        while (trace.get(trace.size() - 1) >= eps && nstep < threshold) {
            double[][] xNew = new double[batch][d];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    xNew[b][i] = x[b][i] + update[b][i];
                }
            }
            double[][] gNew = residual(f, xNew);
            double[][] dx = new double[batch][d];
            double[][] dg = new double[batch][d];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    dx[b][i] = xNew[b][i] - x[b][i];
                    dg[b][i] = gNew[b][i] - gx[b][i];
                }
            }
            x = xNew;
            gx = gNew;
            nstep++;
            iterates.add(copy(x));
            double obj = norm(gx);
            trace.add(obj);
            if (obj < lowest) {
                lowest = obj;
                lowestStep = nstep;
            }
            if (obj < eps) {
                stop = "tolerance";
                break;
            }
            if (obj > init * 1e6) {
                stop = "protective";
                break;
            }
            double[][] us = new double[batch][];
            double[][] vs = new double[batch][];
            for (int b = 0; b < batch; b++) {
                double[][] m = bInv[b];
                double[] vT = new double[d]; // dx^T B_inv
                double[] mdg = new double[d]; // B_inv dg
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        vT[j] += dx[b][i] * m[i][j];
                        mdg[i] += m[i][j] * dg[b][j];
                    }
                }
                double denom = 0;
                for (int i = 0; i < d; i++) {
                    denom += vT[i] * dg[b][i];
                }
                double[] u = new double[d];
                for (int i = 0; i < d; i++) {
                    u[i] = (dx[b][i] - mdg[i]) / denom;
                    if (Double.isNaN(u[i])) {
                        u[i] = 0;
                    }
                    if (Double.isNaN(vT[i])) {
                        vT[i] = 0;
                    }
                }
                us[b] = u;
                vs[b] = vT;
            }
            int slot = (nstep - 1) % memory;
            for (int b = 0; b < batch; b++) {
                if (storedU[slot] != null) { // the ring buffer drops the oldest pair
                    addOuter(bInv[b], storedU[slot][b], storedV[slot][b], -1);
                }
                addOuter(bInv[b], us[b], vs[b], 1);
            }
            storedU[slot] = us;
            storedV[slot] = vs;
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += bInv[b][i][j] * gx[b][j];
                    }
                    update[b][i] = -s;
                }
            }
        }
        return new Run(iterates, trace, nstep, lowestStep, stop);
    }

    private static void addOuter(double[][] m, double[] u, double[] v, double sign) {
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) {
                m[i][j] += sign * u[i] * v[j];
            }
        }
    }

    private static double[][] residual(List<UnaryOperator<double[]>> f, double[][] x) {
        double[][] g = new double[x.length][];
        for (int b = 0; b < x.length; b++) {
            double[] fx = f.get(b).apply(x[b]);
            g[b] = new double[fx.length];
            for (int i = 0; i < fx.length; i++) {
                g[b][i] = fx[i] - x[b][i];
            }
        }
        return g;
    }

    private static double norm(double[][] v) {
        double s = 0;
        for (double[] row : v) {
            for (double x : row) {
                s += x * x;
            }
        }
        return Math.sqrt(s);
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
