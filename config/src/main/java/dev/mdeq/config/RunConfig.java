package dev.mdeq.config;

/**
 * {@code RUN.*} (this project's extension, see extensions.yaml): seed, device, checkpoint cadence
 * and limits of one training run.
 */
public record RunConfig(
        long seed,
        Device device,
        int checkpointEverySteps,
        double checkpointEveryMinutes,
        int keepCheckpoints,
        long maxSteps,
        int valSamples,
        int shutdownGraceSeconds) {

    /** Where to compute: every visible GPU when there is one, else the CPU. */
    public enum Device { AUTO, CPU, GPU }

    static RunConfig from(Section run) {
        return new RunConfig(
                run.longInteger("SEED"),
                run.choice("DEVICE", Device.class),
                run.integer("CHECKPOINT_EVERY_STEPS"),
                run.real("CHECKPOINT_EVERY_MINUTES"),
                run.integer("KEEP_CHECKPOINTS"),
                run.longInteger("MAX_STEPS"),
                run.integer("VAL_SAMPLES"),
                run.integer("SHUTDOWN_GRACE_SECONDS"));
    }
}
