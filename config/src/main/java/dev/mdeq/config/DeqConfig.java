package dev.mdeq.config;

/**
 * {@code DEQ.*} (this project's extension, see extensions.yaml): solvers, stopping rule and the
 * gradient through the equilibrium. The defaults reproduce the reference.
 */
public record DeqConfig(
        Solver fSolver,
        Solver bSolver,
        StopMode stopMode,
        double fEps,
        double bEps,
        boolean useBThres,
        GradMode grad,
        int phantomSteps,
        double phantomDamping,
        BackwardFallback backwardFallback,
        int andersonM,
        double andersonLam,
        double andersonBeta,
        int broydenMemory) {

    /** Root finders for the forward and the adjoint equation. */
    public enum Solver { BROYDEN, ANDERSON, FIXED_POINT }

    /** reference: whole-batch absolute residual against eps*sqrt(B*D); abs/rel: per sample. */
    public enum StopMode { REFERENCE, ABS, REL }

    /** Exact implicit gradient, phantom gradient, or Jacobian-free backprop. */
    public enum GradMode { IMPLICIT, PHANTOM, JFB }

    /** What the backward solve returns when no iterate improves on its start. */
    public enum BackwardFallback { REFERENCE, BEST }

    static DeqConfig from(Section deq) {
        return new DeqConfig(
                deq.choice("F_SOLVER", Solver.class),
                deq.choice("B_SOLVER", Solver.class),
                deq.choice("STOP_MODE", StopMode.class),
                deq.real("F_EPS"),
                deq.real("B_EPS"),
                deq.bool("USE_B_THRES"),
                deq.choice("GRAD", GradMode.class),
                deq.integer("PHANTOM_STEPS"),
                deq.real("PHANTOM_DAMPING"),
                deq.choice("BACKWARD_FALLBACK", BackwardFallback.class),
                deq.integer("ANDERSON_M"),
                deq.real("ANDERSON_LAM"),
                deq.real("ANDERSON_BETA"),
                deq.integer("BROYDEN_MEMORY"));
    }
}
