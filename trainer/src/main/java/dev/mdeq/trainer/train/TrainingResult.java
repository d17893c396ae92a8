package dev.mdeq.trainer.train;

import dev.mdeq.runstore.run.ExitCodes;

/**
 * How a training process ended.
 *
 * @param outcome what happened
 * @param step global optimizer steps done
 * @param epoch the epoch of the next step
 * @param lastCheckpoint the newest checkpoint written or resumed from (folder key), or null
 * @param bestMetric the best validation metric so far, or null
 * @param message what to tell the user (the reason of a divergence)
 */
public record TrainingResult(Outcome outcome, long step, int epoch, String lastCheckpoint, Double bestMetric,
        String message) {

    /** The ways training ends without an exception. */
    public enum Outcome {
        /** Trained to TRAIN.END_EPOCH or RUN.MAX_STEPS. */
        FINISHED(ExitCodes.OK),
        /** Stopped by SIGTERM or SIGINT after writing a checkpoint. */
        INTERRUPTED(ExitCodes.INTERRUPTED),
        /** NaN/Inf loss or gradient, or a diverging solver; the last good checkpoint is kept. */
        DIVERGED(ExitCodes.DIVERGED);

        private final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public int exitCode() {
        return outcome.exitCode();
    }
}
