package dev.mdeq.trainer.train;

import dev.mdeq.model.TrainStep;
import dev.mdeq.model.solver.SolverStats;

/** Means over the steps of one logging interval (PRINT_FREQ steps). */
final class IntervalStats {
    private int steps;
    private double loss;
    private double gradNorm;
    private double lr;
    private double solverSteps;
    private double solverResidual;
    private int solves;
    private long samples;
    private double waitSeconds;
    private long start = System.nanoTime();
    private Summary last;

    /**
     * An interval's means.
     *
     * @param solverSteps mean forward solver steps (null when no step solved: pretraining)
     * @param solverResidual mean final forward residual (null likewise)
     */
    record Summary(int steps, double loss, double lr, double gradNorm, Double solverSteps, Double solverResidual,
            double samplesPerSecond, double stepsPerSecond, double dataWait, double seconds) {
    }

    void add(ReplicatedModel.StepResult result, double stepLr, double stepGradNorm, int batchSamples,
            boolean pretraining, double dataWaitSeconds) {
        steps++;
        waitSeconds += dataWaitSeconds;
        loss += result.loss();
        gradNorm += stepGradNorm;
        lr = stepLr;
        samples += batchSamples;
        if (!pretraining) {
            for (TrainStep shard : result.shards()) {
                SolverStats stats = shard.forwardStats();
                if (stats != null) {
                    solverSteps += stats.steps();
                    solverResidual += stats.residual();
                    solves++;
                }
            }
        }
    }

    /** Ends the interval and starts the next; null when it had no step. */
    Summary close() {
        if (steps == 0) {
            return null;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        last = new Summary(steps, loss / steps, lr, gradNorm / steps, solves == 0 ? null : solverSteps / solves,
                solves == 0 ? null : solverResidual / solves, samples / seconds, steps / seconds,
                Math.min(1.0, waitSeconds / seconds), seconds);
        steps = 0;
        loss = 0;
        gradNorm = 0;
        solverSteps = 0;
        solverResidual = 0;
        solves = 0;
        samples = 0;
        waitSeconds = 0;
        start = System.nanoTime();
        return last;
    }

    /** The last closed interval, or null. */
    Summary last() {
        return last;
    }
}
