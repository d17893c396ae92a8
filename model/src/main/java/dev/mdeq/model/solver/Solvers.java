package dev.mdeq.model.solver;

import dev.mdeq.config.DeqConfig;

/** The solver a config names ({@code DEQ.F_SOLVER}, {@code DEQ.B_SOLVER}). */
public final class Solvers {

    private Solvers() {
    }

    public static EquilibriumSolver of(DeqConfig.Solver kind) {
        return switch (kind) {
            case BROYDEN -> new BroydenSolver();
            case ANDERSON -> new AndersonSolver();
            case FIXED_POINT -> new FixedPointSolver();
        };
    }
}
