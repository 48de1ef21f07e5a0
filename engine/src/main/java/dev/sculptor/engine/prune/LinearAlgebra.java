package dev.sculptor.engine.prune;

/**
 * The small dense linear algebra of the data-driven pruning methods, in double precision: normal
 * equations, a Cholesky solver with a ridge, and the (signed and non-negative) LASSO of channel
 * selection.
 * Matrices are {@code double[rows][cols]}. Sizes here are at most a few thousand, so plain loops
 * are enough (a 1,568-unknown solve with 128 right-hand sides takes about a second).
 */
public final class LinearAlgebra {
    private LinearAlgebra() {}

    /** {@code X^T X} of an {@code n x d} matrix. */
    public static double[][] gram(double[][] x) {
        int d = x.length == 0 ? 0 : x[0].length;
        double[][] g = new double[d][d];
        for (double[] row : x) {
            addOuter(g, row);
        }
        symmetrise(g);
        return g;
    }

    /** Adds {@code v v^T} to the upper triangle of {@code g} (call {@link #symmetrise} when done). */
    static void addOuter(double[][] g, double[] v) {
        int d = v.length;
        for (int i = 0; i < d; i++) {
            double vi = v[i];
            if (vi == 0) {
                continue;
            }
            double[] gi = g[i];
            for (int j = i; j < d; j++) {
                gi[j] += vi * v[j];
            }
        }
    }

    /** Copies the upper triangle into the lower one. */
    static void symmetrise(double[][] g) {
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < i; j++) {
                g[i][j] = g[j][i];
            }
        }
    }

    /** {@code X^T Y} of an {@code n x d} and an {@code n x m} matrix. */
    public static double[][] xty(double[][] x, double[][] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("X has " + x.length + " rows, Y has " + y.length);
        }
        int d = x.length == 0 ? 0 : x[0].length;
        int m = y.length == 0 ? 0 : y[0].length;
        double[][] out = new double[d][m];
        for (int r = 0; r < x.length; r++) {
            double[] xr = x[r];
            double[] yr = y[r];
            for (int i = 0; i < d; i++) {
                double v = xr[i];
                if (v == 0) {
                    continue;
                }
                double[] oi = out[i];
                for (int j = 0; j < m; j++) {
                    oi[j] += v * yr[j];
                }
            }
        }
        return out;
    }

    /**
     * The ridge least-squares solution {@code W (d x m)} of {@code Y ~ X W}: solves
     * {@code (X^T X + rho I) W = X^T Y} with {@code rho = ridge * mean(diag(X^T X))}.
     */
    public static double[][] leastSquares(double[][] x, double[][] y, double ridge) {
        return solveSpd(gram(x), xty(x, y), ridge, null);
    }

    /**
     * Solves {@code (A + rho I) X = B + rho P} for a symmetric positive semi-definite {@code A}
     * ({@code d x d}) by Cholesky, with {@code rho = ridge * mean(diag(A))}: a ridge that pulls the
     * solution towards {@code prior} ({@code d x m}; null means zero) along directions the data do
     * not determine. A failed factorisation (a singular {@code A} and no ridge) retries with a
     * growing ridge. {@code A} and {@code B} are left unchanged.
     */
    public static double[][] solveSpd(double[][] a, double[][] b, double ridge, double[][] prior) {
        int d = a.length;
        if (b.length != d) {
            throw new IllegalArgumentException("A is " + d + "x" + d + " but B has " + b.length + " rows");
        }
        if (!(ridge >= 0)) {
            throw new IllegalArgumentException("ridge must be >= 0, got " + ridge);
        }
        if (d == 0) {
            return new double[0][0];
        }
        double meanDiag = 0;
        for (int i = 0; i < d; i++) {
            meanDiag += a[i][i];
        }
        meanDiag = Math.max(meanDiag / d, Double.MIN_NORMAL);
        double rho = ridge * meanDiag;
        for (int attempt = 0; attempt < 12; attempt++) {
            double[][] l = cholesky(a, rho);
            if (l != null) {
                int m = b[0].length;
                double[][] rhs = new double[d][m];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < m; j++) {
                        rhs[i][j] = b[i][j] + (prior != null ? rho * prior[i][j] : 0);
                    }
                }
                return choleskySolve(l, rhs);
            }
            rho = Math.max(rho * 100, 1e-12 * meanDiag);
        }
        throw new ArithmeticException("normal equations are not positive definite even with a ridge of " + rho);
    }

    /** Lower-triangular {@code L} with {@code L L^T = A + rho I}, or null when not positive definite. */
    static double[][] cholesky(double[][] a, double rho) {
        int d = a.length;
        double[][] l = new double[d][];
        for (int i = 0; i < d; i++) {
            l[i] = new double[i + 1];
            double[] li = l[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double s = a[i][j] + (i == j ? rho : 0);
                for (int k = 0; k < j; k++) {
                    s -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(s > 0) || !Double.isFinite(s)) {
                        return null;
                    }
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
        }
        return l;
    }

    /** Solves {@code L L^T X = B} in place of a copy of {@code B}. */
    static double[][] choleskySolve(double[][] l, double[][] b) {
        int d = l.length;
        int m = b[0].length;
        double[][] x = new double[d][];
        for (int i = 0; i < d; i++) {
            x[i] = b[i].clone();
        }
        // forward: L Z = B
        for (int i = 0; i < d; i++) {
            double[] xi = x[i];
            double[] li = l[i];
            for (int k = 0; k < i; k++) {
                double f = li[k];
                if (f == 0) {
                    continue;
                }
                double[] xk = x[k];
                for (int j = 0; j < m; j++) {
                    xi[j] -= f * xk[j];
                }
            }
            double p = li[i];
            for (int j = 0; j < m; j++) {
                xi[j] /= p;
            }
        }
        // backward: L^T X = Z
        for (int i = d - 1; i >= 0; i--) {
            double[] xi = x[i];
            for (int k = i + 1; k < d; k++) {
                double f = l[k][i];
                if (f == 0) {
                    continue;
                }
                double[] xk = x[k];
                for (int j = 0; j < m; j++) {
                    xi[j] -= f * xk[j];
                }
            }
            double p = l[i][i];
            for (int j = 0; j < m; j++) {
                xi[j] /= p;
            }
        }
        return x;
    }

    /**
     * LASSO in Gram form by cyclic coordinate descent: minimises
     * {@code beta^T G beta - 2 b^T beta + lambda * ||beta||_1} with no sign constraint, which is
     * {@code ||y - Z beta||^2 + lambda ||beta||_1} with {@code G = Z^T Z} and {@code b = Z^T y}
     * (up to {@code ||y||^2}); each coordinate step is a soft-threshold. Coordinates with
     * {@code G_cc = 0} (a column that is all zero) stay at zero.
     *
     * @param warm a starting point (not modified), or null for zero
     */
    public static double[] lasso(double[][] g, double[] b, double lambda, double[] warm) {
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
        }
        int c = b.length;
        if (g.length != c) {
            throw new IllegalArgumentException("G is " + g.length + "x" + g.length + " but b has " + c + " entries");
        }
        double[] beta = warm != null ? warm.clone() : new double[c];
        double[] gb = new double[c]; // G beta
        for (int i = 0; i < c; i++) {
            if (beta[i] != 0) {
                for (int k = 0; k < c; k++) {
                    gb[k] += g[k][i] * beta[i];
                }
            }
        }
        for (int sweep = 0; sweep < 20_000; sweep++) {
            double maxDelta = 0;
            double maxBeta = 0;
            for (int i = 0; i < c; i++) {
                double gii = g[i][i];
                double old = beta[i];
                double next;
                if (gii <= 1e-300) {
                    next = 0;
                } else {
                    double r = b[i] - (gb[i] - gii * old);
                    double shrunk = Math.abs(r) - lambda / 2;
                    next = shrunk > 0 ? Math.copySign(shrunk, r) / gii : 0;
                }
                double delta = next - old;
                if (delta != 0) {
                    beta[i] = next;
                    for (int k = 0; k < c; k++) {
                        gb[k] += g[k][i] * delta;
                    }
                    maxDelta = Math.max(maxDelta, Math.abs(delta) * Math.sqrt(gii));
                }
                maxBeta = Math.max(maxBeta, Math.abs(next) * Math.sqrt(gii));
            }
            if (maxDelta <= 1e-10 * Math.max(maxBeta, 1e-30) || maxDelta == 0) {
                break;
            }
        }
        return beta;
    }
}
