package dev.mdeq.trainer.optim;

/**
 * The learning rate as a pure function of the training position, so a resumed run continues the
 * schedule exactly from the global step and epoch saved in its checkpoint.
 */
public interface LearningRateSchedule {

    /**
     * The learning rate of the optimizer step that follows {@code step} completed steps, taken in
     * epoch {@code epoch} (both 0-based).
     */
    double lr(long step, int epoch);

    /**
     * {@code CosineAnnealingLR(T_max = totalSteps, eta_min)} stepped once per iteration, in its
     * closed form: {@code eta_min + (base - eta_min) * (1 + cos(pi * step / totalSteps)) / 2}.
     */
    static LearningRateSchedule cosine(double base, long totalSteps, double etaMin) {
        requirePositive(totalSteps);
        return (step, epoch) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
    }

    /**
     * {@code MultiStepLR(milestones, gamma)} stepped once per epoch: {@code base} times
     * {@code factor} for every milestone epoch already reached.
     */
    static LearningRateSchedule multiStep(double base, java.util.List<Integer> milestones, double factor) {
        java.util.List<Integer> copy = java.util.List.copyOf(milestones);
        return (step, epoch) -> {
            double lr = base;
            for (int milestone : copy) {
                if (epoch >= milestone) {
                    lr *= factor;
                }
            }
            return lr;
        };
    }

    /** Poly decay per iteration: {@code base * (1 - step / totalSteps)^power}, 0 past the end. */
    static LearningRateSchedule poly(double base, long totalSteps, double power) {
        requirePositive(totalSteps);
        return (step, epoch) -> base * Math.pow(Math.max(0.0, 1.0 - (double) step / totalSteps), power);
    }

    private static void requirePositive(long totalSteps) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("a per-iteration schedule needs a positive number of steps, got "
                    + totalSteps);
        }
    }
}
